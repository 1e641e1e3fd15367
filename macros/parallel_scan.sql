{#- Pre-hook of a model that a full build runs alone, at the head of its critical path
    (`int_invoice_lines_ranked`: every line's two digests, then a sort of all of them). On
    PostgreSQL it lets the planner split the scan and the sort over the server's cores: at
    its default cost of passing a row between processes (0.1), gathering a million sorted
    rows looks dearer than the work it shares, and the model ran on one core (3.3 s at the
    real data's size, 2.2 s split). `set local` ends with the model's transaction. Renders
    nothing elsewhere (dbt skips an empty hook). -#}
{% macro parallel_scan() -%}
    {%- if target.type == 'postgres' -%}
        set local parallel_tuple_cost = 0.01
    {%- endif -%}
{%- endmacro %}
