"""cx_pipeline: customer-experience analytics from CRM, helpdesk and e-commerce extracts, on Dagster."""
