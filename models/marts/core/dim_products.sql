-- One row per stock code: its current description (the most frequent, ties to the most
-- recent), whether it is a product, price statistics over sale lines and when it sold.
with

per_description as (
    -- Per code and description (lines without a description as a group of their own), what
    -- both the current description and the code's figures are rolled up from.
    select * from {{ ref('int_product_descriptions') }}
),

current_description as (
    select
        stock_code,
        description,
        row_number() over (
            partition by stock_code
            order by times_used desc, last_used_at desc, description asc
        ) as preference
    from per_description
    where description is not null
),

per_code as (
    select
        stock_code,
        {{ folded_product_figures() }}
    from per_description
    group by stock_code
),

final as (
    select
        per_code.stock_code,
        current_description.description,
        per_code.is_product_flag = 1 as is_product,
        cast(per_code.min_unit_price as {{ type_money() }}) as min_unit_price,
        cast(per_code.max_unit_price as {{ type_money() }}) as max_unit_price,
        -- The mean price of the priced sale lines.
        cast(
            {{ rounded('per_code.priced_sale_price_sum / nullif(per_code.priced_sale_line_count, 0)', 2) }}
            as {{ type_money() }}
        ) as avg_unit_price,
        per_code.first_sold_at,
        per_code.last_sold_at,
        cast(per_code.sale_line_count as {{ dbt.type_int() }}) as sale_line_count,
        cast(per_code.units_sold as {{ dbt.type_bigint() }}) as units_sold,
        cast(per_code.gross_revenue as {{ type_money() }}) as gross_revenue
    from per_code
    left join current_description
        on
            per_code.stock_code = current_description.stock_code
            and current_description.preference = 1
)

select * from final
