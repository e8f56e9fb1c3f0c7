{#- The 95 % intervals of SPEC §4.1, written once for every metric: which one a row gets is the `interval` of
    its metric in the catalogue (seeds/metric_catalog.csv).

    wilson  a share of a count: the Wilson score interval of numerator / denominator, in percent;
    t       a mean: value ± t(0.975, n − 1) × s / √n, s² the sample variance of one observation (NULL for n < 2);
    nps     NPS: value ± 1.96 × 100 × √(v / n), v = p + d − (p − d)² in shares (the formula of SPEC §4);
    none    counts, revenue, arpu, ltv, medians: NULL.

    Reads, from the row being bounded (alias r): value, numerator, denominator, sample_size, variance; from its
    catalogue entry (alias c): interval; and t.t_975, the t quantile for sample_size − 1 degrees of freedom
    from seeds/t_quantiles.csv (NULL past its last row, where t_quantile() takes over). -#}

{% macro confidence_bound(side) -%}
  {%- set sign = '-' if side == 'low' else '+' -%}
  case c.interval
    {# Wilson's bound at 0 of n is 0 and at n of n is 100 exactly; elsewhere it lies inside 0–100, and
       the clamp only drops rounding. #}
    when 'wilson' then case
      when r.denominator > 0 and r.numerator {{ '<=' if side == 'low' else '>=' }} {{ '0' if side == 'low' else 'r.denominator' }}
        then {{ '0.0' if side == 'low' else '100.0' }}
      when r.denominator > 0 then greatest(0.0, least(100.0,
        100.0 * ({{ _wilson_center('r.numerator', 'r.denominator') }} {{ sign }} {{ _wilson_half_width('r.numerator', 'r.denominator') }})))
    end
    when 't' then case when r.sample_size >= 2 then
      r.value {{ sign }} {{ t_quantile('r.sample_size - 1', 't.t_975') }} * sqrt(r.variance / r.sample_size)
    end
    when 'nps' then case when r.sample_size > 0 then
      r.value {{ sign }} 1.96 * 100.0 * sqrt(r.variance / r.sample_size)
    end
  end
{%- endmacro %}


{#- Wilson's centre and half width for k successes of n trials, as shares (z = 1.959964). -#}
{% macro _wilson_center(k, n) -%}
  ((1.0 * {{ k }} / {{ n }} + 1.959964 * 1.959964 / (2.0 * {{ n }})) / (1.0 + 1.959964 * 1.959964 / {{ n }}))
{%- endmacro %}

{% macro _wilson_half_width(k, n) -%}
  (1.959964 / (1.0 + 1.959964 * 1.959964 / {{ n }}) * sqrt(
    (1.0 * {{ k }} / {{ n }}) * (1.0 - 1.0 * {{ k }} / {{ n }}) / {{ n }}
    + 1.959964 * 1.959964 / (4.0 * {{ n }} * {{ n }})
  ))
{%- endmacro %}


{#- t(0.975, df): the tabulated quantile where seeds/t_quantiles.csv has it (df ≤ 300), else the Cornish-Fisher
    expansion around the normal quantile, whose error is below 1e-12 from 300 degrees of freedom on. -#}
{% macro t_quantile(df, tabulated) -%}
  {%- set z = 1.959963984540054 -%}
  coalesce({{ tabulated }},
    {{ z }}
    + {{ z ** 3 + z }} / (4.0 * ({{ df }}))
    + {{ 5 * z ** 5 + 16 * z ** 3 + 3 * z }} / (96.0 * power({{ df }}, 2))
    + {{ 3 * z ** 7 + 19 * z ** 5 + 17 * z ** 3 - 15 * z }} / (384.0 * power({{ df }}, 3))
    + {{ 79 * z ** 9 + 776 * z ** 7 + 1482 * z ** 5 - 1920 * z ** 3 - 945 * z }} / (92160.0 * power({{ df }}, 4)))
{%- endmacro %}
