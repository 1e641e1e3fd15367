-- Customers by segment at one month end and the next: where each segment's customers went.
-- A customer without a purchase yet at the earlier month end comes from '(new)'; one no
-- longer scored at the later month end (which only a removed load can cause: the history
-- keeps every customer once they bought) goes to '(lapsed)'.
with

history as (
    select * from {{ ref('rfm_history') }}
),

month_ends as (
    select distinct month_end from history
),

consecutive as (
    select
        month_end as from_month_end,
        lead(month_end) over (order by month_end) as to_month_end
    from month_ends
),

month_pairs as (
    select * from consecutive
    where to_month_end is not null
),

earlier as (
    select
        month_pairs.from_month_end,
        month_pairs.to_month_end,
        history.customer_id,
        history.segment
    from month_pairs
    inner join history on month_pairs.from_month_end = history.month_end
),

later as (
    select
        month_pairs.from_month_end,
        month_pairs.to_month_end,
        history.customer_id,
        history.segment
    from month_pairs
    inner join history on month_pairs.to_month_end = history.month_end
),

moves as (
    select
        coalesce(earlier.from_month_end, later.from_month_end) as from_month_end,
        coalesce(earlier.to_month_end, later.to_month_end) as to_month_end,
        coalesce(earlier.segment, '(new)') as from_segment,
        coalesce(later.segment, '(lapsed)') as to_segment
    from earlier
    full outer join later
        on
            earlier.from_month_end = later.from_month_end
            and earlier.customer_id = later.customer_id
),

counted as (
    select
        from_month_end,
        to_month_end,
        from_segment,
        to_segment,
        count(*) as customers
    from moves
    group by from_month_end, to_month_end, from_segment, to_segment
),

final as (
    select
        from_month_end,
        to_month_end,
        from_segment,
        to_segment,
        cast(customers as {{ dbt.type_int() }}) as customers,
        cast(sum(customers) over from_group as {{ dbt.type_int() }}) as from_segment_customers,
        cast(customers as {{ dbt.type_float() }}) / sum(customers) over from_group as share_of_from_segment
    from counted
    window from_group as (partition by from_month_end, from_segment)
)

select * from final
