{{ config(severity = 'warn') }}
-- A cooling-off cancellation (ContState 2) takes effect within var cooling_off_days days of
-- the customer's acknowledgement (GetPolDate). The KPIs count every state-2 policy as
-- cancelled in cooling-off, as delivered; this warns about ones outside the period.

select policy_no, acknowledgement_date, cancellation_date
from {{ ref('int_production__policies') }}
where is_cooling_off_cancelled
  and acknowledgement_date is not null
  and cancellation_date > {{ amis_add_days('acknowledgement_date', var('cooling_off_days')) }}
