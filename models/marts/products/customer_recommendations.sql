{#- Analysed as soon as it is built (PostgreSQL): `assert_recommendations_are_not_yet_bought`
    reads it next, and plans better with statistics (3.5 s against 2.4 at 10x). -#}
{{ config(post_hook=['analyze {{ this }}'] if target.type == 'postgres' else []) }}
-- For each customer with a purchase, up to var `recommendations_per_customer` products they
-- have not bought, ranked by how often they go with what the customer did buy: a candidate
-- scores the highest confidence (`product_affinity`) from any product the customer bought,
-- ties broken by lift and stock code; the reason names that product. Candidates are each
-- bought product's var `recommendation_companions` most confident companions.
with

bought as (
    select * from {{ ref('int_customer_products') }}
),

basis as (
    -- What the recommendations start from: the customer's var `recommendation_basis_products`
    -- products with the most spend (all of them for most customers), so the candidates grow
    -- with the customers, not with how many products the biggest buyers ever touched.
    select
        customer_id,
        stock_code
    from bought
    where spend_rank <= {{ var('recommendation_basis_products') }}
),

affinity as (
    select * from {{ ref('product_affinity') }}
),

products as (
    select * from {{ ref('dim_products') }}
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
        confidence,
        lift,
        row_number() over (
            partition by customer_id order by confidence desc, lift desc, stock_code asc
        ) as recommendation_rank
    from candidates
    where reason_rank = 1
),

final as (
    select
        ranked.customer_id,
        cast(ranked.recommendation_rank as {{ dbt.type_int() }}) as recommendation_rank,
        ranked.stock_code,
        recommended.description,
        ranked.because_of_stock_code,
        {{ dbt.concat([
            "'often bought with '",
            "ranked.because_of_stock_code",
            "' '",
            "coalesce(because_of.description, '')",
        ]) }} as reason,
        ranked.confidence,
        ranked.lift
    from ranked
    left join products as recommended on ranked.stock_code = recommended.stock_code
    left join products as because_of on ranked.because_of_stock_code = because_of.stock_code
    where ranked.recommendation_rank <= {{ var('recommendations_per_customer') }}
)

select * from final
