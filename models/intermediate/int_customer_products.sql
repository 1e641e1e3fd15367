-- One row per customer and product they bought on a purchase: how many purchases had it,
-- the quantity and the spend. Campaign lists rank a customer's products from here, and the
-- recommendations leave these products out.
with

order_products as (
    select * from {{ ref('int_order_products') }}
    where is_purchase
),

final as (
    select
        customer_id,
        stock_code,
        cast(count(*) as {{ dbt.type_int() }}) as purchase_count,
        cast(sum(quantity) as {{ dbt.type_int() }}) as quantity,
        cast(sum(amount) as {{ type_money() }}) as spend
    from order_products
    group by customer_id, stock_code
)

select * from final
