-- The segment map seed covers all 25 (R, F) cells of the 1-5 grid exactly once.
with

scores as (
    {% for score in range(1, 6) -%}
        select {{ score }} as score{{ " union all" if not loop.last }}
    {% endfor %}
),

grid as (
    select
        r.score as r_score,
        f.score as f_score
    from scores as r
    cross join scores as f
),

mapped as (
    select
        r_score,
        f_score,
        count(*) as entries
    from {{ ref('rfm_segment_map') }}
    group by r_score, f_score
)

select
    grid.r_score,
    grid.f_score,
    coalesce(mapped.entries, 0) as entries
from grid
left join mapped
    on
        grid.r_score = mapped.r_score
        and grid.f_score = mapped.f_score
where coalesce(mapped.entries, 0) <> 1
