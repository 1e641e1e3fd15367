-- One row per customer the last `lgs predict` scored: the probability they are still an
-- active customer, what they are expected to buy and be worth, and a churn-risk tier from
-- p_alive (vars churn_risk_high_below, churn_risk_low_from). Empty until `lgs predict` runs.
with

lifetime_value as (
    select * from {{ ref('stg_predictions__customer_lifetime_value') }}
),

final as (
    select
        customer_id,
        p_alive,
        expected_purchases_90d,
        expected_average_spend,
        clv_12_months,
        case
            when p_alive < {{ var('churn_risk_high_below') }} then 'high'
            when p_alive < {{ var('churn_risk_low_from') }} then 'medium'
            else 'low'
        end as churn_risk,
        reference_date,
        model_version,
        fitted_at
    from lifetime_value
)

select * from final
