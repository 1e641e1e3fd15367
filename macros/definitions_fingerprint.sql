{#- A hash of everything that defines the warehouse's rows: the SQL of every model and seed
    of this project (dbt's file checksums), the text of every macro of this project, and the
    rule vars. An incremental model that holds business rules stores it and starts again from
    nothing when it changes, so a changed definition never leaves old rows behind. -#}
{% macro definitions_fingerprint() -%}
    {%- set rule_vars = [
        'dedupe_exact_duplicates', 'placed_order_types', 'non_product_stock_codes',
        'non_product_stock_code_prefixes', 'unknown_customer_id', 'rfm_scoring', 'rfm_buckets',
        'affinity_max_order_products', 'affinity_min_orders', 'recommendations_per_customer',
        'recommendation_companions', 'recommendation_basis_products',
    ] -%}
    {%- set parts = [] -%}
    {%- if execute -%}
        {%- for node in graph.get('nodes', {}).values() | sort(attribute='unique_id') -%}
            {%- if node.package_name == project_name and node.resource_type in ['model', 'seed'] -%}
                {%- do parts.append(node.unique_id ~ ':' ~ node.checksum.checksum) -%}
            {%- endif -%}
        {%- endfor -%}
        {%- for name in context.keys() | sort -%}
            {%- set found = context[name].macro if context[name].macro is defined else none -%}
            {%- if found and found.package_name == project_name -%}
                {%- do parts.append(found.unique_id ~ ':' ~ found.macro_sql) -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
    {%- for name in rule_vars -%}
        {%- do parts.append(name ~ '=' ~ tojson(var(name))) -%}
    {%- endfor -%}
    {{- return(local_md5(parts | join('\n'))) -}}
{%- endmacro %}
