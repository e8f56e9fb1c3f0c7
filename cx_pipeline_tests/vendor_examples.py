"""Vendor objects shaped exactly like the examples of the vendors' API references, nested fields, string
money and all: each function starts from the documented example, as published, and changes only the
fields a test names. Unchanged fields are left as documented (old dates, other ids), as a real export
carries many fields the pipeline does not read."""

from __future__ import annotations

import copy
import csv
import io

_ZENDESK_TICKET = {
    # developer.zendesk.com/api-reference/ticketing/tickets/tickets/ — "JSON format", Example
    "assignee_id": 235323,
    "collaborator_ids": [35334, 234],
    "created_at": "2009-07-20T22:55:29Z",
    "custom_fields": [{"id": 27642, "value": "745"}, {"id": 27648, "value": "yes"}],
    "custom_status_id": 123,
    "description": "The fire is very colorful.",
    "due_at": None,
    "external_id": "ahg35h3jh",
    "follower_ids": [35334, 234],
    "from_messaging_channel": False,
    "group_id": 98738,
    "has_incidents": False,
    "id": 35436,
    "organization_id": 509974,
    "priority": "high",
    "problem_id": 9873764,
    "raw_subject": "{{dc.printer_on_fire}}",
    "recipient": "support_example@yourcompany.com",
    "requester_id": 20978392,
    "satisfaction_rating": {"comment": "Great support!", "id": 1234, "score": "good"},
    "sharing_agreement_ids": [84432],
    "status": "open",
    "subject": "Help, my printer is on fire!",
    "submitter_id": 76872,
    "tags": ["enterprise", "other_tag"],
    "type": "incident",
    "updated_at": "2011-05-05T10:38:52Z",
    "url": "https://company.zendesk.com/api/v2/tickets/35436.json",
    "via": {"channel": "web"},
}

_ZENDESK_TICKET_METRICS = {
    # developer.zendesk.com/api-reference/ticketing/tickets/ticket_metrics/ — "JSON format", Example
    "agent_wait_time_in_minutes": {"business": 737, "calendar": 2391},
    "assigned_at": "2011-05-05T10:38:52Z",
    "assignee_stations": 1,
    "assignee_updated_at": "2011-05-06T10:38:52Z",
    "created_at": "2009-07-20T22:55:29Z",
    "custom_status_updated_at": "2011-05-09T10:38:52Z",
    "first_resolution_time_in_minutes": {"business": 737, "calendar": 2391},
    "full_resolution_time_in_minutes": {"business": 737, "calendar": 2391},
    "group_stations": 7,
    "id": 33,
    "initially_assigned_at": "2011-05-03T10:38:52Z",
    "latest_comment_added_at": "2011-05-09T10:38:52Z",
    "on_hold_time_in_minutes": {"business": 637, "calendar": 2290},
    "reopens": 55,
    "replies": 322,
    "reply_time_in_minutes": {"business": 737, "calendar": 2391},
    "reply_time_in_seconds": {"calendar": 143460},
    "requester_updated_at": "2011-05-07T10:38:52Z",
    "requester_wait_time_in_minutes": {"business": 737, "calendar": 2391},
    "solved_at": "2011-05-09T10:38:52Z",
    "status_updated_at": "2011-05-04T10:38:52Z",
    "ticket_id": 4343,
    "updated_at": "2011-05-05T10:38:52Z",
}

_ZENDESK_USER = {
    # developer.zendesk.com/api-reference/ticketing/users/users/ — "JSON format", Example
    "id": 35436,
    "name": "Johnny Agent",
    "email": "johnny@example.com",
    "role": "agent",
    "created_at": "2009-07-20T22:55:29Z",
    "updated_at": "2011-05-05T10:38:52Z",
    "time_zone": "Copenhagen",
    "iana_time_zone": "Europe/Copenhagen",
    "locale": "en-US",
    "locale_id": 1,
    "organization_id": 57542,
    "phone": "+15551234567",
    "photo": {"content_type": "image/png", "content_url": "https://company.zendesk.com/photos/my_funny_profile_pic.png",
              "id": 928374, "name": "my_funny_profile_pic.png", "size": 166144,
              "thumbnails": [{"content_type": "image/png", "id": 928375, "name": "my_funny_profile_pic_thumb.png",
                              "size": 58298}]},
    "shared_phone_number": False,
    "verified": True,
    "active": True,
    "url": "https://company.zendesk.com/api/v2/users/35436.json",
}

_ZENDESK_GROUP = {
    # developer.zendesk.com/api-reference/ticketing/groups/groups/ — "JSON format", Example
    "created_at": "2009-07-20T22:55:29Z",
    "default": True,
    "deleted": False,
    "description": "Some clever description here",
    "id": 3432,
    "is_public": True,
    "name": "First Level Support",
    "updated_at": "2011-05-05T10:38:52Z",
    "url": "https://company.zendesk.com/api/v2/groups/3432.json",
}

_ZENDESK_SATISFACTION_RATING = {
    # developer.zendesk.com/api-reference/ticketing/ticket-management/satisfaction_ratings/ — "JSON format",
    # Example
    "assignee_id": 135,
    "created_at": "2011-07-20T22:55:29Z",
    "group_id": 44,
    "id": 35436,
    "requester_id": 7881,
    "score": "good",
    "ticket_id": 208,
    "updated_at": "2011-07-20T22:55:29Z",
    "url": "https://company.zendesk.com/api/v2/satisfaction_ratings/35436.json",
}

_SHOPIFY_ORDER = {
    # shopify.dev/docs/api/admin-rest/latest/resources/order — "The Order resource", GET /orders/450789469.json
    # response (abridged to the documented fields below; nested objects kept as documented)
    "id": 450789469,
    "admin_graphql_api_id": "gid://shopify/Order/450789469",
    "app_id": None,
    "browser_ip": "0.0.0.0",
    "buyer_accepts_marketing": False,
    "cancel_reason": None,
    "cancelled_at": None,
    "cart_token": "68778783ad298f1c80c3bafcddeea02f",
    "checkout_id": 901414060,
    "checkout_token": "bd5a8aa1ecd019dd3520ff791ee3a24c",
    "closed_at": None,
    "confirmed": True,
    "contact_email": "bob.norman@mail.example.com",
    "created_at": "2008-01-10T11:00:00-05:00",
    "currency": "USD",
    "current_subtotal_price": "195.67",
    "current_total_price": "199.65",
    "email": "bob.norman@mail.example.com",
    "financial_status": "partially_refunded",
    "fulfillment_status": None,
    "name": "#1001",
    "number": 1,
    "order_number": 1001,
    "processed_at": "2008-01-10T11:00:00-05:00",
    "source_name": "web",
    "subtotal_price": "597.00",
    "tags": "",
    "total_price": "598.94",
    "total_price_set": {"shop_money": {"amount": "598.94", "currency_code": "USD"},
                        "presentment_money": {"amount": "598.94", "currency_code": "USD"}},
    "total_tax": "11.94",
    "updated_at": "2008-01-10T11:00:00-05:00",
    "customer": {"id": 207119551, "email": "bob.norman@mail.example.com", "first_name": "Bob",
                 "last_name": "Norman", "state": "disabled", "currency": "USD"},
    "line_items": [{"id": 466157049, "name": "IPod Nano - 8gb - green", "price": "199.00", "quantity": 1,
                    "sku": "IPOD2008GREEN", "product_id": 632910392, "variant_id": 39072856}],
}

_SHOPIFY_CHECKOUT = {
    # shopify.dev/docs/api/admin-rest/latest/resources/abandoned-checkouts — "The Abandoned checkouts
    # resource", GET /checkouts.json response (abridged to the documented fields below)
    "id": 450789469,
    "token": "2a1ace52255252df566af0faaedfbfa7",
    "cart_token": "68778783ad298f1c80c3bafcddeea02f",
    "email": "bob.norman@mail.example.com",
    "gateway": None,
    "buyer_accepts_marketing": False,
    "created_at": "2012-10-12T07:05:27-04:00",
    "updated_at": "2012-10-12T07:05:27-04:00",
    "completed_at": None,
    "currency": "USD",
    "presentment_currency": "USD",
    "subtotal_price": "398.00",
    "total_price": "398.00",
    "total_tax": "0.00",
    "source_name": "web",
    "abandoned_checkout_url": "https://checkout.local/548380009/checkouts/2a1ace52255252df566af0faaedfbfa7/recover",
    "customer": {"id": 207119551, "email": "bob.norman@mail.example.com", "first_name": "Bob",
                 "last_name": "Norman"},
    "line_items": [{"key": "49148385", "title": "IPod Nano - 8GB", "price": "199.00", "quantity": 1,
                    "sku": "IPOD2008RED"}],
}

SHOPIFY_ORDERS_EXPORT_HEADER = [
    # help.shopify.com/manual/fulfillment/managing-orders/exporting-orders — the columns of the orders
    # CSV export, in its order (an order over one line per line item)
    "Name", "Email", "Financial Status", "Paid at", "Fulfillment Status", "Fulfilled at", "Accepts Marketing",
    "Currency", "Subtotal", "Shipping", "Taxes", "Total", "Discount Code", "Discount Amount", "Shipping Method",
    "Created at", "Lineitem quantity", "Lineitem name", "Lineitem price", "Lineitem compare at price",
    "Lineitem sku", "Lineitem requires shipping", "Lineitem taxable", "Lineitem fulfillment status",
    "Billing Name", "Cancelled at", "Payment Method", "Refunded Amount", "Vendor", "Id", "Tags", "Risk Level",
    "Source", "Phone",
]

_STRIPE_CUSTOMER = {
    # docs.stripe.com/api/customers/object — "The Customer object", as published
    "id": "cus_NffrFeUfNV2Hib",
    "object": "customer",
    "address": None,
    "balance": 0,
    "created": 1680893993,
    "currency": None,
    "default_source": None,
    "delinquent": False,
    "description": None,
    "email": "jennyrosen@example.com",
    "invoice_prefix": "0759376C",
    "invoice_settings": {"custom_fields": None, "default_payment_method": None, "footer": None,
                         "rendering_options": None},
    "livemode": False,
    "metadata": {},
    "name": "Jenny Rosen",
    "next_invoice_sequence": 1,
    "phone": None,
    "preferred_locales": [],
    "shipping": None,
    "tax_exempt": "none",
    "test_clock": None,
}

_STRIPE_SUBSCRIPTION_ITEM = {
    # docs.stripe.com/api/subscriptions/object — "The Subscription object": its one item (items.data[0]), as
    # published: $10.00 a month
    "id": "si_Na6dzxczY5fwHx",
    "object": "subscription_item",
    "created": 1679609768,
    "current_period_end": 1682288167,
    "current_period_start": 1679609767,
    "metadata": {},
    "plan": {"id": "price_1MowQULkdIwHu7ixraBm864M", "object": "plan", "active": True, "amount": 1000,
             "amount_decimal": "1000", "billing_scheme": "per_unit", "created": 1679609766, "currency": "usd",
             "discounts": None, "interval": "month", "interval_count": 1, "livemode": False, "metadata": {},
             "nickname": None, "product": "prod_Na6dGcTsmU0I4R", "tiers_mode": None, "transform_usage": None,
             "trial_period_days": None, "usage_type": "licensed"},
    "price": {"id": "price_1MowQULkdIwHu7ixraBm864M", "object": "price", "active": True,
              "billing_scheme": "per_unit", "created": 1679609766, "currency": "usd", "custom_unit_amount": None,
              "livemode": False, "lookup_key": None, "metadata": {}, "nickname": None,
              "product": "prod_Na6dGcTsmU0I4R",
              "recurring": {"interval": "month", "interval_count": 1, "trial_period_days": None,
                            "usage_type": "licensed"},
              "tax_behavior": "unspecified", "tiers_mode": None, "transform_quantity": None, "type": "recurring",
              "unit_amount": 1000, "unit_amount_decimal": "1000"},
    "quantity": 1,
    "subscription": "sub_1MowQVLkdIwHu7ixeRlqHVzs",
    "tax_rates": [],
}

_STRIPE_SUBSCRIPTION = {
    # docs.stripe.com/api/subscriptions/object — "The Subscription object", as published
    "id": "sub_1MowQVLkdIwHu7ixeRlqHVzs",
    "object": "subscription",
    "application": None,
    "application_fee_percent": None,
    "automatic_tax": {"enabled": False, "liability": None},
    "billing_cycle_anchor": 1679609767,
    "cancel_at": None,
    "cancel_at_period_end": False,
    "canceled_at": None,
    "cancellation_details": {"comment": None, "feedback": None, "reason": None},
    "collection_method": "charge_automatically",
    "created": 1679609767,
    "currency": "usd",
    "customer": "cus_Na6dX7aXxi11N4",
    "days_until_due": None,
    "default_payment_method": None,
    "default_source": None,
    "default_tax_rates": [],
    "description": None,
    "discounts": None,
    "ended_at": None,
    "invoice_settings": {"issuer": {"type": "self"}},
    "items": {"object": "list", "data": [_STRIPE_SUBSCRIPTION_ITEM], "has_more": False, "total_count": 1,
              "url": "/v1/subscription_items?subscription=sub_1MowQVLkdIwHu7ixeRlqHVzs"},
    "latest_invoice": "in_1MowQWLkdIwHu7ixuzkSPfKd",
    "livemode": False,
    "metadata": {},
    "next_pending_invoice_item_invoice": None,
    "on_behalf_of": None,
    "pause_collection": None,
    "payment_settings": {"payment_method_options": None, "payment_method_types": None,
                         "save_default_payment_method": "off"},
    "pending_invoice_item_interval": None,
    "pending_setup_intent": None,
    "pending_update": None,
    "schedule": None,
    "start_date": 1679609767,
    "status": "active",
    "test_clock": None,
    "transfer_data": None,
    "trial_end": None,
    "trial_settings": {"end_behavior": {"missing_payment_method": "create_invoice"}},
    "trial_start": None,
}

_HUBSPOT_CONTACT = {
    # developers.hubspot.com/docs/api/crm/contacts — CRM API v3, GET /crm/v3/objects/contacts/{contactId},
    # example response: the default properties, all text, beside id, createdAt, updatedAt and archived
    "id": "512",
    "properties": {
        "createdate": "2019-10-30T03:30:17.883Z",
        "email": "bh@hubspot.com",
        "firstname": "Brian",
        "hs_object_id": "512",
        "lastmodifieddate": "2019-12-07T16:50:06.678Z",
        "lastname": "Halligan",
    },
    "createdAt": "2019-10-30T03:30:17.883Z",
    "updatedAt": "2019-12-07T16:50:06.678Z",
    "archived": False,
}

_QUALTRICS_RESPONSE = {
    # api.qualtrics.com — Response Exports (format json) and "Get Survey Response": one response as documented,
    # its values keyed by ImportId (metadata fields, then the questions QIDn, numeric answers as numbers),
    # labels, displayedFields and displayedValues; the values are this fixture's own, for an e-mail distribution
    "responseId": "R_1LhXEyX3GsqV5ck",
    "values": {
        "startDate": "2019-11-18T17:55:18Z",
        "endDate": "2019-11-18T17:56:29Z",
        "status": 0,
        "ipAddress": "174.23.131.8",
        "progress": 100,
        "duration": 70,
        "finished": 1,
        "recordedDate": "2019-11-18T17:56:30.041Z",
        "_recordId": "R_1LhXEyX3GsqV5ck",
        "recipientLastName": "Rosen",
        "recipientFirstName": "Jenny",
        "recipientEmail": "jennyrosen@example.com",
        "locationLatitude": "40.5203",
        "locationLongitude": "-111.8717",
        "distributionChannel": "email",
        "userLanguage": "EN",
        "QID1": 9,
        "QID2": 4,
        "QID3": 6,
    },
    "labels": {"status": "IP Address", "finished": "True", "QID1": "9", "QID2": "Satisfied", "QID3": "Agree"},
    "displayedFields": ["QID1", "QID2", "QID3"],
    "displayedValues": {"QID1": list(range(11)), "QID2": [1, 2, 3, 4, 5], "QID3": [1, 2, 3, 4, 5, 6, 7]},
}

QUALTRICS_EXPORT_HEADER = [
    # qualtrics.com/support/survey-platform/data-and-analysis-module/data/download-data/understanding-your-dataset
    # — the CSV export's three header rows, column by column: its name, its question text (second row), its
    # ImportId (third row; times carry the time zone they are written in)
    ("StartDate", "Start Date", '{"ImportId":"startDate","timeZone":"America/Denver"}'),
    ("EndDate", "End Date", '{"ImportId":"endDate","timeZone":"America/Denver"}'),
    ("Status", "Response Type", '{"ImportId":"status"}'),
    ("IPAddress", "IP Address", '{"ImportId":"ipAddress"}'),
    ("Progress", "Progress", '{"ImportId":"progress"}'),
    ("Duration (in seconds)", "Duration (in seconds)", '{"ImportId":"duration"}'),
    ("Finished", "Finished", '{"ImportId":"finished"}'),
    ("RecordedDate", "Recorded Date", '{"ImportId":"recordedDate","timeZone":"America/Denver"}'),
    ("ResponseId", "Response ID", '{"ImportId":"_recordId"}'),
    ("RecipientLastName", "Recipient Last Name", '{"ImportId":"recipientLastName"}'),
    ("RecipientFirstName", "Recipient First Name", '{"ImportId":"recipientFirstName"}'),
    ("RecipientEmail", "Recipient Email", '{"ImportId":"recipientEmail"}'),
    ("ExternalReference", "External Data Reference", '{"ImportId":"externalDataReference"}'),
    ("LocationLatitude", "Location Latitude", '{"ImportId":"locationLatitude"}'),
    ("LocationLongitude", "Location Longitude", '{"ImportId":"locationLongitude"}'),
    ("DistributionChannel", "Distribution Channel", '{"ImportId":"distributionChannel"}'),
    ("UserLanguage", "User Language", '{"ImportId":"userLanguage"}'),
    ("Q1", "How likely are you to recommend us to a friend or colleague?", '{"ImportId":"QID1"}'),
    ("Q2", "Overall, how satisfied are you with\nour support?", '{"ImportId":"QID2"}'),
    ("Q3", "The company made it easy for me to handle my issue.", '{"ImportId":"QID3"}'),
]


def _changed(example: dict, changes: dict) -> dict:
    """The example with ``changes``; a key written ``a.b`` changes the nested field."""
    obj = copy.deepcopy(example)
    for key, value in changes.items():
        *outer, last = key.split(".")
        node = obj
        for part in outer:
            node = node.setdefault(part, {})
        node[last] = value
    return obj


def zendesk_ticket(**changes) -> dict:
    return _changed(_ZENDESK_TICKET, changes)


def zendesk_ticket_metrics(**changes) -> dict:
    return _changed(_ZENDESK_TICKET_METRICS, changes)


def zendesk_user(**changes) -> dict:
    return _changed(_ZENDESK_USER, changes)


def zendesk_group(**changes) -> dict:
    return _changed(_ZENDESK_GROUP, changes)


def zendesk_satisfaction_rating(**changes) -> dict:
    return _changed(_ZENDESK_SATISFACTION_RATING, changes)


def shopify_order(**changes) -> dict:
    return _changed(_SHOPIFY_ORDER, changes)


def shopify_checkout(**changes) -> dict:
    return _changed(_SHOPIFY_CHECKOUT, changes)


def shopify_orders_export(orders: list[dict]) -> list[dict]:
    """Lines of the admin's orders export: per order its first line with the order's columns, then one line
    per further line item with only Name and the Lineitem columns (as the export writes them)."""
    lines = []
    for order in orders:
        items = order.pop("line_items")
        lines.append({header: order.get(header, "") for header in SHOPIFY_ORDERS_EXPORT_HEADER} | items[0])
        for item in items[1:]:
            lines.append({header: "" for header in SHOPIFY_ORDERS_EXPORT_HEADER} | {"Name": order["Name"]} | item)
    return lines


def stripe_customer(**changes) -> dict:
    return _changed(_STRIPE_CUSTOMER, changes)


def stripe_subscription(**changes) -> dict:
    return _changed(_STRIPE_SUBSCRIPTION, changes)


def stripe_subscription_item(**changes) -> dict:
    """An item of ``items.data``: the documented one, $10.00 a month, with ``changes`` (``price.unit_amount``,
    ``price.recurring.interval`` …)."""
    return _changed(_STRIPE_SUBSCRIPTION_ITEM, changes)


def hubspot_contact(**changes) -> dict:
    return _changed(_HUBSPOT_CONTACT, changes)


def qualtrics_response(**changes) -> dict:
    return _changed(_QUALTRICS_RESPONSE, changes)


def qualtrics_responses_export(lines: list[dict]) -> str:
    """The text of a responses CSV export: its three header rows, then one line per response, each given by
    its columns (named as in the first row; the others empty)."""
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\r\n")
    for row in zip(*QUALTRICS_EXPORT_HEADER):
        writer.writerow(row)
    for line in lines:
        writer.writerow([line.get(column, "") for column, _, _ in QUALTRICS_EXPORT_HEADER])
    return text.getvalue()
