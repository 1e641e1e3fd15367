-- A recommendation is never a product the customer already bought: checked against the
-- facts (`fct_sales` product lines at a positive price on the customer's purchases in
-- `fct_orders`), not against the model the recommendations were built from.
-- Returns each recommendation of a product the customer bought. The facts are joined to
-- the recommendations first, so only lines of recommended products are kept and counted,
-- not every pair a customer ever bought.
with

recommendations as (
    select
        customer_id,
        stock_code
    from {{ ref('customer_recommendations') }}
),

bought as (
    select
        recommendations.customer_id,
        recommendations.stock_code
    from {{ ref('fct_sales') }} as sales
    inner join recommendations
        on
            sales.customer_id = recommendations.customer_id
            and sales.stock_code = recommendations.stock_code
    inner join {{ ref('fct_orders') }} as orders on sales.invoice_id = orders.invoice_id
    where orders.is_purchase and sales.is_product and sales.unit_price > 0 and sales.is_sale
)

select distinct
    customer_id,
    stock_code
from bought
