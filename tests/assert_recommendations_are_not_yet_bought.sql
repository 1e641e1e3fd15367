-- A recommendation is never a product the customer already bought: checked against the
-- facts (`fct_sales` product lines at a positive price on the customer's purchases in
-- `fct_orders`), not against the model the recommendations were built from.
-- Returns each recommendation of a product the customer bought.
with

bought as (
    select distinct
        sales.customer_id,
        sales.stock_code
    from {{ ref('fct_sales') }} as sales
    inner join {{ ref('fct_orders') }} as orders on sales.invoice_id = orders.invoice_id
    where orders.is_purchase and sales.is_product and sales.unit_price > 0 and sales.is_sale
)

select
    recommendations.customer_id,
    recommendations.stock_code
from {{ ref('customer_recommendations') }} as recommendations
inner join bought
    on
        recommendations.customer_id = bought.customer_id
        and recommendations.stock_code = bought.stock_code
