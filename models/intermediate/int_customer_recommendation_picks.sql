{{ config(
    materialized=incremental_or_table(),
    incremental_strategy='delete+insert',
    unique_key='customer_id',
    on_schema_change='sync_all_columns',
    pre_hook="{{ forget_stale_history() }}",
    post_hook="{% if is_incremental() %}delete from {{ this }} where stock_code is null{% endif %}",
    indexes=[{'columns': ['customer_id']}, {'columns': ['through_batch_id']}, {'columns': ['build_number']}],
) }}
-- depends_on: {{ ref('int_invoice_lines_deduplicated') }}
-- depends_on: {{ ref('int_product_pairs') }}
-- For each customer with a purchase, up to var `recommendations_per_customer` products they
-- have not bought, ranked by how often they go with what the customer did buy: a candidate
-- scores the highest confidence (`product_affinity`) from any product the customer bought,
-- ties broken by lift and stock code; `because_of_stock_code` is that product. Candidates are
-- each basis product's var `recommendation_companions` most confident companions.
-- `customer_recommendations` adds today's figures and descriptions.
-- Incremental by customer. A customer's picks depend only on their own products (their
-- rows in `int_customer_products`) and on their basis products' listed companions: which,
-- in what order, with what confidence and on how many baskets. Ranked by confidence, then
-- lift, then stock code, they do not depend on how many baskets there are in all: among
-- equal confidences, the higher lift is the companion on fewer baskets. A day changes them
-- only for a product on the day's baskets (its pair counts and baskets change), or for a
-- product with a companion that is: that companion's baskets grew, so it can only move down
-- among equal confidences, and it matters only when its confidence reaches the product's
-- lowest listed one. So a run computes again the customers whose products were computed
-- again, those whose basis holds such a product, and those left without any product (they
-- lose their picks), and keeps the others. Each customer computed again also gets one row
-- without a product, so that dbt's delete+insert removes what they held even when no pick is
-- left; the post-hook removes those rows in the same transaction. Like the models it reads,
-- it starts again from nothing (pre-hook forget_stale_history) when the definitions change or
-- a batch it was built from is removed: then, as on a first build, every customer is
-- computed in one pass.
{%- set held = held_batch_number() %}
{%- set partial = is_incremental() and held > 0 %}
{#- A basis product: one of the customer's products with the most spend. -#}
{%- set in_basis = 'spend_rank <= ' ~ var('recommendation_basis_products') %}
with

affinity as (
    select * from {{ ref('product_affinity') }}
),

directed as (
    -- Each pair both ways: having bought `from_code`, the customer may want `to_code`.
    select
        stock_code_a as from_code,
        stock_code_b as to_code,
        confidence_a_to_b as confidence,
        lift
    from affinity
    union all
    select
        stock_code_b as from_code,
        stock_code_a as to_code,
        confidence_b_to_a as confidence,
        lift
    from affinity
),

ranked_companions as (
    select
        *,
        row_number() over (partition by from_code order by confidence desc, lift desc, to_code asc) as companion_rank
    from directed
),

companions as (
    -- Each product's var `recommendation_companions` most confident companions.
    select
        from_code,
        to_code,
        confidence,
        lift
    from ranked_companions
    where companion_rank <= {{ var('recommendation_companions') }}
),

{% if partial -%}
    counted_products as (
        -- Products on baskets counted since the last run (their own pair row is written).
        select stock_code_a as stock_code
        from {{ ref('int_product_pairs') }}
        where stock_code_a = stock_code_b and through_batch_id > {{ held }}
    ),

    lowest_listed as (
        select
            from_code,
            min(confidence) as confidence
        from companions
        group by from_code
    ),

    reordered_products as (
        -- Products whose companions may be in another order now.
        select stock_code from counted_products
        union
        select directed.from_code
        from directed
        inner join lowest_listed on directed.from_code = lowest_listed.from_code
        where
            directed.confidence >= lowest_listed.confidence
            and directed.to_code in (select counted_products.stock_code from counted_products)
    ),

    recomputed_customers as (
        select customer_id
        from {{ ref('int_customer_products') }}
        where through_batch_id > {{ held }}
        union
        select customer_id
        from {{ ref('int_customer_products') }}
        where
            {{ in_basis }}
            and stock_code in (select reordered_products.stock_code from reordered_products)
    ),

    customers_without_products as (
        {{ held_customers_missing_from(ref('int_customer_products')) }}
    ),

    computed_customers as (
        select customer_id from recomputed_customers
        union
        select customer_id from customers_without_products
    ),
{%- endif %}

top_products as (
    -- What the recommendations start from: the customer's var `recommendation_basis_products`
    -- products with the most spend (all of them for most customers), so the candidates grow
    -- with the customers, not with how many products the biggest buyers ever touched.
    select
        customer_id,
        stock_code
    from {{ ref('int_customer_products') }}
    where {{ in_basis }}
),

basis as (
    select
        customer_id,
        stock_code
    from top_products
    {% if partial -%}
        where customer_id in (select recomputed_customers.customer_id from recomputed_customers)
    {%- endif %}
),

bought as (
    -- Read apart from the basis, not from one shared step: a step read twice is stored whole.
    select
        customer_id,
        stock_code
    from {{ ref('int_customer_products') }}
    {% if partial -%}
        where customer_id in (select recomputed_customers.customer_id from recomputed_customers)
    {%- endif %}
),

batches as (
    -- What the rows are computed from: the customers' products' latest bookkeeping.
    {{ latest_bookkeeping(ref('int_customer_products')) }}
),

candidates as (
    select
        basis.customer_id,
        companions.to_code as stock_code,
        companions.from_code as because_of_stock_code,
        companions.confidence,
        companions.lift,
        row_number() over (
            partition by basis.customer_id, companions.to_code
            order by companions.confidence desc, companions.lift desc, companions.from_code asc
        ) as reason_rank
    from basis
    inner join companions on basis.stock_code = companions.from_code
    left join bought as already
        on
            basis.customer_id = already.customer_id
            and companions.to_code = already.stock_code
    where already.stock_code is null
),

ranked as (
    select
        customer_id,
        stock_code,
        because_of_stock_code,
        row_number() over (
            partition by customer_id order by confidence desc, lift desc, stock_code asc
        ) as recommendation_rank
    from candidates
    where reason_rank = 1
),

picks as (
    select
        customer_id,
        cast(recommendation_rank as {{ dbt.type_int() }}) as recommendation_rank,
        stock_code,
        because_of_stock_code
    from ranked
    where recommendation_rank <= {{ var('recommendations_per_customer') }}
    {% if partial -%}
        union all
        -- Each customer computed again: one row without a product (see above).
        select
            customer_id,
            cast(null as {{ dbt.type_int() }}) as recommendation_rank,
            cast(null as {{ dbt.type_string() }}) as stock_code,
            cast(null as {{ dbt.type_string() }}) as because_of_stock_code
        from computed_customers
    {%- endif %}
),

final as (
    select
        picks.customer_id,
        picks.recommendation_rank,
        picks.stock_code,
        picks.because_of_stock_code,
        {{ bookkeeping_columns('batches') }}
    from picks
    cross join batches
)

select * from final
