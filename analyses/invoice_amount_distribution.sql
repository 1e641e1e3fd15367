-- The notebook's first question: how are invoice amounts distributed? Min, max, median,
-- mode and mean of placed orders' amounts, and the same below the 85th percentile (the
-- notebook's view without the few very large wholesale orders).
with

placed_orders as (
    select net_amount as amount
    from {{ ref('fct_orders') }}
    where is_placed and net_amount > 0
),

cutoff as (
    select {{ percentile_cont('amount', 0.85) }} as p85
    from placed_orders
),

scoped as (
    select
        'all placed orders' as scope,
        amount
    from placed_orders
    union all
    select
        'below the 85th percentile' as scope,
        placed_orders.amount
    from placed_orders
    cross join cutoff
    where placed_orders.amount <= cutoff.p85
),

modes as (
    select
        scope,
        amount as mode_amount,
        row_number() over (partition by scope order by count(*) desc, amount) as popularity
    from scoped
    group by scope, amount
),

final as (
    select
        scoped.scope,
        count(*) as orders,
        min(scoped.amount) as min_amount,
        max(scoped.amount) as max_amount,
        {{ percentile_cont('scoped.amount', 0.5) }} as median_amount,
        max(modes.mode_amount) as mode_amount,
        round(avg(scoped.amount), 2) as mean_amount
    from scoped
    inner join modes
        on scoped.scope = modes.scope and modes.popularity = 1
    group by scoped.scope
)

select * from final
order by scope
