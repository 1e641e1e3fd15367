{#- The customers an incremental model held by customer (`this`) has rows for and `upstream`
    no longer has (with `condition` on its rows, when given): they must lose their rows.
    Each customer held is looked up by the upstream's customer index, rather than reading the
    whole upstream (0.5 to 1.7 s at 10x against 4 to 6). A SELECT of `customer_id`. -#}
{% macro held_customers_missing_from(upstream, condition=none) -%}
    select customer_id
    from (select distinct customer_id from {{ this }}) as held
    where
        not exists (
            select 1
            from {{ upstream }} as upstream_rows
            where
                upstream_rows.customer_id = held.customer_id
                {%- if condition %}
                    and upstream_rows.{{ condition }}
                {%- endif %}
        )
{%- endmacro %}
