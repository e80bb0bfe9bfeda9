"""The default feature catalog: 50+ declared features over the eight dimensions.

No feature reads a protected attribute (age, sex, marital status, ...): profile events feed
only identity verification and address tenure, and address tenure is its own policy family.
"""

from __future__ import annotations

from credo.features.spec import ACCOUNTS, BILLS, CREDIT, CYCLE_TYPES, FeatureSpec, Series, Term
from credo.policy.policy import Policy

# Written into every feature table. 1.1: a series of event counts says "no data" without
# events of its sources; a share of reports counts only those the policy lets count; months
# are counted back from the as-of date for negative data; a month billed and not paid is a
# payment ratio of 0; utilisation counts the balances of reports that give a limit. 1.4: the
# payment ratio measures each billing cycle's payments against the statement it began with.
# 1.5: open loans and bill accounts say "no data" (-1) where none is on file, apart from 0
# open; an inquiry alone is no account on file, nor credit history; reason bounds. 1.6: a
# credit limit of 0 is no limit in utilisation; an address date before 1900 is not known.
# 1.7: the kinds of accounts held count every account event. 1.8: id_verified reads "yes",
# "Y", "verified" as 1 and "no", "N", "unverified" as 0; a value that says neither is no
# value (it read 0, not verified).
CATALOG_VERSION = "1.8"

NO_DATA = -1.0  # no events of the feature's sources in its window
NEVER = -2.0  # history exists, but the thing counted never happened

RISKIER = "higher_is_riskier"
SAFER = "higher_is_safer"
# Raw balances, bills and their trends: a bigger balance is more debt but also comes with more
# spending and bigger limits (on the Taiwan card data every one of these runs "safer"), so the
# model learns their direction from the data rather than from a hint that may be wrong.
FROM_DATA = "none"
STATUS = ("account_status",)
ACCOUNT_HELD = ("account_opened", "account_closed", "statement", "payment", "account_status")
BANK_FLOW = ("bank", "payments")

# Monthly series shared by several features.
WORST_DPD = Series("worst_dpd", (Term(ACCOUNTS, STATUS, "dpd_max"),))
CARD_UTILISATION = Series(
    "card_utilisation",
    (Term(("card",), STATUS, "amount_limited"),),
    (Term(("card",), STATUS, "limit"),),
)
CARD_BALANCE = Series("card_balance", (Term(("card",), STATUS, "amount"),))
CREDIT_BALANCE = Series("credit_balance", (Term(CREDIT, STATUS, "amount"),))
CARD_LIMIT = Series("card_limit", (Term(("card",), STATUS, "limit"),))
OWED_ACCOUNTS = Series("owed_accounts", (Term(CREDIT, STATUS, "n_owed"),))
# A month's card and loan statements, each as last sent (a correction replaces it)
CREDIT_BILL = Series("credit_bill", (Term(CREDIT, ("statement",), "statement_billed"),))
# What was paid in each billing cycle (an account's statement to its next) over the statement
# it began with, in the month that statement fell due (a month's cycles of every card and
# loan together): a payment is measured against the statement it followed, whatever days of
# the month the account bills and is paid on.
PAYMENT_RATIO = Series(
    "payment_ratio",
    (Term(CREDIT, CYCLE_TYPES, "cycle_paid"),),
    (Term(CREDIT, CYCLE_TYPES, "cycle_billed"),),
    cap=5.0,
)
# A month whose card or loan reported (a statement or a status) and saw no payment paid 0: a
# missed payment must not leave the month out of the mean.
MONTHLY_PAID = Series(
    "monthly_paid",
    (Term(CREDIT, ("payment",), "amount"),),
    zero_in=(Term(CREDIT, ("statement",), "amount"), Term(CREDIT, STATUS, "amount")),
)
INCOME = Series("income", (Term(("bank",), ("income",), "amount"),))
# The same deposits, 0 in a month the bank reported a balance, a transfer or a purchase and
# no income (terms the catalog reads anyway, so no cell of their own): counting the
# months with income, a bank account without any is 0 months, not "no data". (The mean and
# spread of income keep to the months with income: see docs/features.md.)
INCOME_MONTHS = Series(
    "income_months",
    (Term(("bank",), ("income",), "amount"),),
    zero_in=(
        Term(("bank",), ("balance",), "signed_last"),
        Term(("bank",), ("transfer",), "amount_in"),
        Term(("bank",), ("purchase",), "amount"),
    ),
)
NET_FLOW = Series(
    "net_flow",
    (
        Term(("bank",), ("income",), "amount"),
        Term(BANK_FLOW, ("transfer",), "amount_in"),
        Term(BANK_FLOW, ("transfer",), "amount_out", sign=-1.0),
        Term(("bank",), ("purchase",), "amount", sign=-1.0),
    ),
)
OVERDRAWN = Series("overdrawn", (Term(("bank",), ("balance",), "n_overdrawn"),))
BANK_BALANCE = Series("bank_balance", (Term(("bank",), ("balance",), "signed_last"),))
SPEND = Series("spend", (Term(("bank", "ecommerce"), ("purchase",), "amount"),))
ACTIVITY = Series("activity", (Term(("social",), (), "n"),))


def _late_months(window: int) -> FeatureSpec:
    return FeatureSpec(
        name=f"ph_late_months_{window}m",
        dimension="payment_history",
        description=f"Months in the last {window} with any account or bill past due",
        reason="Payments were late last month"
        if window == 1
        else f"Payments were late in the last {window} months",
        aggregate="series_months_ge",
        series=WORST_DPD,
        threshold=1.0,
        window=window,
        direction=RISKIER,
        no_data=NO_DATA,
        reason_bound=0.0,
    )


def _worst_dpd(window: int) -> FeatureSpec:
    return FeatureSpec(
        name=f"ph_worst_dpd_{window}m",
        dimension="payment_history",
        description=f"Worst days past due on any account or bill in the last {window} months",
        unit="days",
        reason=f"A payment was seriously late in the last {window} months",
        aggregate="series_max",
        series=WORST_DPD,
        window=window,
        direction=RISKIER,
        no_data=NO_DATA,
        # seriously: 30 days or more, as a lender first reports a payment late
        reason_bound=29.0,
    )


def _dpd_count(days: int) -> FeatureSpec:
    return FeatureSpec(
        name=f"ph_dpd{days}_reports_24m",
        dimension="payment_history",
        description=f"Monthly reports {days}+ days past due, any account or bill, 24 months",
        reason=f"Accounts or bills were {days} days or more past due in the last two years",
        aggregate="count",
        sources=ACCOUNTS,
        types=STATUS,
        measure=f"n_dpd{days}",
        window=24,
        direction=RISKIER,
        no_data=NO_DATA,
        reason_bound=0.0,
    )


# "Latest" features read the most recent month with a report within this many months: a
# report older than that is no account's current state (a 60-day delinquency of four years
# ago is not "past due right now"), and the person then has no data for them.
LATEST_WINDOW = 12

PAYMENT_HISTORY: tuple[FeatureSpec, ...] = (
    FeatureSpec(
        name="ph_dpd_latest",
        dimension="payment_history",
        description="Days past due in the most recent month (worst over accounts and bills)",
        unit="days",
        reason="An account or bill is past due right now",
        aggregate="series_last",
        window=LATEST_WINDOW,
        series=WORST_DPD,
        direction=RISKIER,
        no_data=NO_DATA,
        reason_bound=0.0,
    ),
    *(_late_months(w) for w in (1, 3, 6, 12, 24)),
    *(_worst_dpd(w) for w in (3, 6, 12)),
    *(_dpd_count(d) for d in (30, 60, 90)),
    FeatureSpec(
        name="ph_months_since_late",
        dimension="payment_history",
        description="Months since the last report past due (-2: never late)",
        unit="months",
        reason="A payment was late recently",
        aggregate="months_since_last",
        sources=ACCOUNTS,
        types=STATUS,
        measure="n_late",
        direction=SAFER,
        no_data=NO_DATA,
        never=NEVER,
        reason_bound=12.0,
    ),
    FeatureSpec(
        name="ph_late_share_12m",
        dimension="payment_history",
        description="Share of monthly account and bill reports past due, 12 months",
        unit="share",
        reason="Some payments were late in the last year",
        aggregate="share",
        sources=ACCOUNTS,
        types=STATUS,
        measure="n_late",
        window=12,
        direction=RISKIER,
        no_data=NO_DATA,
        reason_bound=0.0,
    ),
    FeatureSpec(
        name="ph_bill_late_reports_12m",
        dimension="payment_history",
        description="Utility, telecom and rent bills reported past due, 12 months",
        reason="Household bills were paid late in the last year",
        aggregate="count",
        sources=BILLS,
        types=STATUS,
        measure="n_late",
        window=12,
        direction=RISKIER,
        no_data=NO_DATA,
        reason_bound=0.0,
    ),
    FeatureSpec(
        name="ph_payment_ratio_latest",
        dimension="payment_history",
        description="Paid of the card and loan statements last due, over those statements (cap 5)",
        unit="share",
        reason="The last payment covered little of the amount due",
        aggregate="series_last",
        window=LATEST_WINDOW,
        series=PAYMENT_RATIO,
        direction=SAFER,
        no_data=NO_DATA,
        reason_bound=0.25,
    ),
    FeatureSpec(
        name="ph_payment_ratio_mean_6m",
        dimension="payment_history",
        description="Mean share paid of the card and loan statements due, 6 months (cap 5)",
        unit="share",
        reason="Payments have covered little of the amounts due",
        aggregate="series_mean",
        series=PAYMENT_RATIO,
        window=6,
        direction=SAFER,
        no_data=NO_DATA,
        reason_bound=0.25,
    ),
    FeatureSpec(
        name="ph_paid_full_share_6m",
        dimension="payment_history",
        description="Share of months paid in full (the card and loan statements due), 6 months",
        unit="share",
        reason="Statements were rarely paid in full",
        aggregate="series_share_ge",
        series=PAYMENT_RATIO,
        threshold=1.0,
        window=6,
        direction=SAFER,
        no_data=NO_DATA,
        reason_bound=0.34,
    ),
    FeatureSpec(
        name="ph_payment_ratio_min_6m",
        dimension="payment_history",
        description="Lowest share paid of the card and loan statements due, 6 months (cap 5)",
        unit="share",
        reason="A payment in the last six months covered little of the amount due",
        aggregate="series_min",
        series=PAYMENT_RATIO,
        window=6,
        direction=SAFER,
        no_data=NO_DATA,
        reason_bound=0.25,
    ),
    FeatureSpec(
        name="ph_dpd_mean_6m",
        dimension="payment_history",
        description="Mean of the monthly worst days past due, 6 months (how long and how late)",
        unit="days",
        reason="Payments were well past due on average in the last six months",
        aggregate="series_mean",
        series=WORST_DPD,
        window=6,
        direction=RISKIER,
        no_data=NO_DATA,
        reason_bound=14.0,
    ),
    FeatureSpec(
        name="ph_paid_amount_mean_6m",
        dimension="payment_history",
        description="Mean amount paid per month on cards and loans, 6 months (0 in a month"
        " they reported without a payment)",
        unit="money",
        reason="Little has been repaid on cards and loans recently",
        aggregate="series_mean",
        series=MONTHLY_PAID,
        window=6,
        direction=SAFER,
        no_data=NO_DATA,
    ),
    FeatureSpec(
        name="ph_paid_amount_latest",
        dimension="payment_history",
        description="Amount paid on cards and loans in the most recent month",
        unit="money",
        reason="Little was repaid last month",
        aggregate="series_last",
        window=LATEST_WINDOW,
        series=MONTHLY_PAID,
        direction=SAFER,
        no_data=NO_DATA,
    ),
)

AMOUNTS_OWED: tuple[FeatureSpec, ...] = (
    FeatureSpec(
        name="ao_utilisation_latest",
        dimension="amounts_owed",
        description="Card balances over card limits in the most recent month",
        unit="share",
        reason="Card balances are high compared with the credit limits",
        aggregate="series_last",
        window=LATEST_WINDOW,
        series=CARD_UTILISATION,
        direction=RISKIER,
        no_data=NO_DATA,
        reason_bound=0.3,
    ),
    FeatureSpec(
        name="ao_utilisation_max_6m",
        dimension="amounts_owed",
        description="Highest monthly card utilisation, 6 months",
        unit="share",
        reason="Card balances came close to the limits recently",
        aggregate="series_max",
        series=CARD_UTILISATION,
        window=6,
        direction=RISKIER,
        no_data=NO_DATA,
        reason_bound=0.75,
    ),
    FeatureSpec(
        name="ao_utilisation_mean_6m",
        dimension="amounts_owed",
        description="Mean monthly card utilisation, 6 months",
        unit="share",
        reason="Card balances have stayed high compared with the limits",
        aggregate="series_mean",
        series=CARD_UTILISATION,
        window=6,
        direction=RISKIER,
        no_data=NO_DATA,
        reason_bound=0.3,
    ),
    FeatureSpec(
        name="ao_utilisation_trend_6m",
        dimension="amounts_owed",
        description="Change in card utilisation per month (slope), 6 months",
        unit="share_change",
        reason="Card utilisation has been rising",
        reason_low="Card utilisation has been falling",
        aggregate="series_slope",
        series=CARD_UTILISATION,
        window=6,
        direction=FROM_DATA,
    ),
    FeatureSpec(
        name="ao_card_balance_latest",
        dimension="amounts_owed",
        description="Total card balance in the most recent month",
        unit="money",
        reason="Card balances are high",
        reason_low="Card balances are low or the cards little used",
        aggregate="series_last",
        window=LATEST_WINDOW,
        series=CARD_BALANCE,
        direction=FROM_DATA,
        no_data=NO_DATA,
    ),
    FeatureSpec(
        name="ao_credit_balance_latest",
        dimension="amounts_owed",
        description="Total card and loan balance in the most recent month",
        unit="money",
        reason="The amount owed on cards and loans is high",
        reason_low="Little is owed on cards and loans: little recent use of credit",
        aggregate="series_last",
        window=LATEST_WINDOW,
        series=CREDIT_BALANCE,
        direction=FROM_DATA,
        no_data=NO_DATA,
    ),
    FeatureSpec(
        name="ao_card_limit_latest",
        dimension="amounts_owed",
        description="Total card credit limit in the most recent month",
        unit="money",
        reason="Card credit limits are low",
        aggregate="series_last",
        window=LATEST_WINDOW,
        series=CARD_LIMIT,
        direction=SAFER,
        no_data=NO_DATA,
    ),
    FeatureSpec(
        name="ao_bill_trend_6m",
        dimension="amounts_owed",
        description="Change in card and loan statement amounts per month (slope), 6 months",
        unit="money",
        reason="Statement amounts have been rising",
        reason_low="Statement amounts have been falling",
        aggregate="series_slope",
        series=CREDIT_BILL,
        window=6,
        direction=FROM_DATA,
    ),
    FeatureSpec(
        name="ao_bill_latest",
        dimension="amounts_owed",
        description="Card and loan statement amount in the most recent month",
        unit="money",
        reason="The latest statements are large",
        reason_low="The latest statements are small",
        aggregate="series_last",
        window=LATEST_WINDOW,
        series=CREDIT_BILL,
        direction=FROM_DATA,
        no_data=NO_DATA,
    ),
    FeatureSpec(
        name="ao_billed_months_6m",
        dimension="amounts_owed",
        description="Months in the last 6 with a card or loan statement of 1 or more",
        reason="Card or loan use in many recent months",
        reason_low="Few recent months with card or loan use",
        aggregate="series_months_ge",
        series=CREDIT_BILL,
        threshold=1.0,
        window=6,
        direction=FROM_DATA,
        no_data=NO_DATA,
    ),
    FeatureSpec(
        name="ao_accounts_with_balance",
        dimension="amounts_owed",
        description="Card and loan accounts with a balance owed in the most recent month",
        unit="count",
        reason="Many accounts carry a balance",
        reason_low="Few accounts carry a balance",
        aggregate="series_last",
        window=LATEST_WINDOW,
        series=OWED_ACCOUNTS,
        direction=FROM_DATA,
        no_data=NO_DATA,
    ),
    FeatureSpec(
        name="ao_debt_to_income",
        dimension="amounts_owed",
        description="Card and loan balance over mean monthly income (12 months)",
        unit="share",
        reason="Debts are high compared with income",
        aggregate="ratio",
        numerator="ao_credit_balance_latest",
        denominator="cb_income_mean_12m",
        direction=RISKIER,
        reason_bound=4.0,  # four months' income or more
    ),
)

HISTORY_LENGTH: tuple[FeatureSpec, ...] = (
    FeatureSpec(
        name="hl_oldest_account_months",
        dimension="history_length",
        description="Age in months of the oldest card, loan or bill account opened on file",
        unit="months",
        reason="The credit history is short",
        aggregate="months_since_first",
        sources=ACCOUNTS,
        types=("account_opened",),
        direction=SAFER,
        no_data=NO_DATA,
        reason_bound=36.0,
    ),
    FeatureSpec(
        name="hl_mean_account_months",
        dimension="history_length",
        description="Mean age in months of the card, loan and bill accounts opened on file",
        unit="months",
        reason="The accounts are new on average",
        aggregate="months_since_mean",
        sources=ACCOUNTS,
        types=("account_opened",),
        direction=SAFER,
        no_data=NO_DATA,
        reason_bound=12.0,
    ),
    FeatureSpec(
        name="hl_months_since_first_credit",
        dimension="history_length",
        description="Months since the first card or loan account event (inquiries aside)",
        unit="months",
        reason="The card and loan history is short",
        aggregate="months_since_first",
        sources=CREDIT,
        # an application is no credit history: an inquiry alone must not read as one
        types=("account_opened", "account_closed", "statement", "payment", "account_status"),
        direction=SAFER,
        no_data=NO_DATA,
        reason_bound=36.0,
    ),
    FeatureSpec(
        name="hl_months_since_first_bill",
        dimension="history_length",
        description="Months since the first utility, telecom or rent event",
        unit="months",
        reason="The household-bill history is short",
        aggregate="months_since_first",
        sources=BILLS,
        direction=SAFER,
        no_data=NO_DATA,
        reason_bound=36.0,
    ),
    FeatureSpec(
        name="hl_months_since_first_bank",
        dimension="history_length",
        description="Months since the first bank-account event",
        unit="months",
        reason="The bank-account history is short",
        aggregate="months_since_first",
        sources=("bank",),
        direction=SAFER,
        no_data=NO_DATA,
        reason_bound=36.0,
    ),
)

NEW_CREDIT: tuple[FeatureSpec, ...] = (
    *(
        FeatureSpec(
            name=f"nc_hard_inquiries_{w}m",
            dimension="new_credit",
            description=f"Hard credit inquiries in the last {w} months",
            reason="There were several recent applications for credit",
            aggregate="count",
            sources=CREDIT,
            types=("inquiry",),
            measure="n_hard",
            window=w,
            direction=RISKIER,
            reason_bound=2.0,  # several: 3 or more
        )
        for w in (6, 12)
    ),
    *(
        FeatureSpec(
            name=f"nc_accounts_opened_{w}m",
            dimension="new_credit",
            description=f"Card and loan accounts opened in the last {w} months",
            reason="Several credit accounts were opened recently",
            aggregate="count",
            sources=CREDIT,
            types=("account_opened",),
            window=w,
            direction=RISKIER,
            reason_bound=2.0,  # several: 3 or more
        )
        for w in (6, 12)
    ),
    FeatureSpec(
        name="nc_months_since_opened",
        dimension="new_credit",
        description="Months since the newest card or loan account was opened",
        unit="months",
        reason="A credit account was opened very recently",
        aggregate="months_since_last",
        sources=CREDIT,
        types=("account_opened",),
        direction=SAFER,
        no_data=NO_DATA,
        reason_bound=3.0,
    ),
    FeatureSpec(
        name="nc_months_since_inquiry",
        dimension="new_credit",
        description="Months since the last hard inquiry (-2: none on file)",
        unit="months",
        reason="Credit was applied for recently",
        aggregate="months_since_last",
        sources=CREDIT,
        types=("inquiry",),
        measure="n_hard",
        direction=SAFER,
        no_data=NO_DATA,
        never=NEVER,
        reason_bound=12.0,
    ),
)

CREDIT_MIX: tuple[FeatureSpec, ...] = (
    FeatureSpec(
        name="cm_product_types",
        dimension="credit_mix",
        description="Kinds of accounts held: card, loan, utility, telecom, rent",
        reason="Few kinds of accounts are on file",
        aggregate="distinct_sources",
        sources=ACCOUNTS,
        # an account opened, billed, paid or reporting its status is held; an inquiry is
        # none (status reports alone left a card and a loan opened, billed and paid, but not
        # reporting, at 0 kinds beside 2 open credit accounts)
        types=ACCOUNT_HELD,
        direction=SAFER,
        no_data=0.0,
        reason_bound=3.0,
    ),
    FeatureSpec(
        name="cm_open_credit_accounts",
        dimension="credit_mix",
        description="Open card and loan accounts",
        reason="Few credit accounts are open",
        aggregate="open_accounts",
        sources=CREDIT,
        direction=SAFER,
        no_data=NO_DATA,
        reason_bound=3.0,
    ),
    FeatureSpec(
        name="cm_open_loans",
        dimension="credit_mix",
        description="Open instalment loan accounts",
        reason="No instalment loan is open",
        aggregate="open_accounts",
        sources=("loan",),
        direction=SAFER,
        # no loan on file is not "every loan paid off": apart, or the card would give the
        # one the other's points
        no_data=NO_DATA,
        reason_bound=1.0,
    ),
    FeatureSpec(
        name="cm_open_bill_accounts",
        dimension="credit_mix",
        description="Open utility, telecom and rent accounts",
        reason="Few household bill accounts are open",
        aggregate="open_accounts",
        sources=BILLS,
        direction=SAFER,
        no_data=NO_DATA,
        reason_bound=2.0,
    ),
)

CAPACITY: tuple[FeatureSpec, ...] = (
    FeatureSpec(
        name="cb_income_mean_12m",
        dimension="capacity",
        description="Mean monthly income deposited, 12 months",
        unit="money",
        reason="Income is low",
        aggregate="series_mean",
        series=INCOME,
        window=12,
        direction=SAFER,
        no_data=NO_DATA,
    ),
    FeatureSpec(
        name="cb_income_cv_12m",
        dimension="capacity",
        description="Variability of monthly income (coefficient of variation), 12 months",
        unit="share",
        reason="Income is irregular",
        aggregate="series_cv",
        series=INCOME,
        window=12,
        direction=RISKIER,
        no_data=NO_DATA,
        reason_bound=0.2,
    ),
    FeatureSpec(
        name="cb_income_months_12m",
        dimension="capacity",
        description="Months with an income deposit, 12 months",
        reason="Income was not seen in every month of the last year",
        aggregate="series_months_ge",
        series=INCOME_MONTHS,
        threshold=0.01,
        window=12,
        direction=SAFER,
        no_data=NO_DATA,
        reason_bound=12.0,
    ),
    FeatureSpec(
        name="cb_net_flow_mean_12m",
        dimension="capacity",
        description="Mean monthly net cash flow (income and transfers in, minus out), 12 months",
        unit="money",
        reason="More money goes out than comes in",
        aggregate="series_mean",
        series=NET_FLOW,
        window=12,
        direction=SAFER,
        reason_bound=0.0,
    ),
    FeatureSpec(
        name="cb_overdrawn_months_12m",
        dimension="capacity",
        description="Months with an overdrawn bank balance, 12 months",
        reason="The bank account was overdrawn",
        aggregate="series_months_ge",
        series=OVERDRAWN,
        threshold=1.0,
        window=12,
        direction=RISKIER,
        no_data=NO_DATA,
        reason_bound=0.0,
    ),
    FeatureSpec(
        name="cb_bank_balance_latest",
        dimension="capacity",
        description="Latest bank balance (negative when overdrawn)",
        unit="money",
        reason="The bank balance is low",
        aggregate="series_last",
        window=LATEST_WINDOW,
        series=BANK_BALANCE,
        direction=SAFER,
    ),
    FeatureSpec(
        name="cb_balance_buffer",
        dimension="capacity",
        description="Latest bank balance in months of income",
        unit="months",
        reason="Savings would cover little of a month's income",
        aggregate="ratio",
        numerator="cb_bank_balance_latest",
        denominator="cb_income_mean_12m",
        direction=SAFER,
        reason_bound=0.25,
    ),
    FeatureSpec(
        name="cb_spend_cv_12m",
        dimension="capacity",
        description="Variability of monthly spending (coefficient of variation), 12 months",
        unit="share",
        reason="Spending swings a lot from month to month",
        aggregate="series_cv",
        series=SPEND,
        window=12,
        direction=RISKIER,
        no_data=NO_DATA,
        reason_bound=0.5,
    ),
    FeatureSpec(
        name="cb_spend_mean_12m",
        dimension="capacity",
        description="Mean monthly spending (bank and online purchases), 12 months",
        unit="money",
        reason="Spending is high",
        aggregate="series_mean",
        series=SPEND,
        window=12,
        direction=RISKIER,
    ),
    FeatureSpec(
        name="cb_spend_to_income_12m",
        dimension="capacity",
        description="Mean monthly spending over mean monthly income, 12 months",
        unit="share",
        reason="Spending is high compared with income",
        aggregate="ratio",
        numerator="cb_spend_mean_12m",
        denominator="cb_income_mean_12m",
        direction=RISKIER,
        reason_bound=0.8,
    ),
    FeatureSpec(
        name="cb_refunds_12m",
        dimension="capacity",
        description="Online refunds received, 12 months",
        reason="Many online purchases were refunded",
        aggregate="count",
        sources=("ecommerce",),
        types=("refund",),
        window=12,
        direction=RISKIER,
        reason_bound=2.0,
    ),
    FeatureSpec(
        name="cb_online_purchases_12m",
        dimension="capacity",
        description="Online purchases, 12 months",
        reason="Online shopping history is thin",
        aggregate="count",
        sources=("ecommerce",),
        types=("purchase",),
        window=12,
        direction=SAFER,
        reason_bound=6.0,
    ),
)

IDENTITY: tuple[FeatureSpec, ...] = (
    FeatureSpec(
        name="id_verified",
        dimension="identity",
        description="Identity verified by the identity provider (1 yes, 0 no)",
        reason="The identity is not verified",
        aggregate="last",
        sources=("identity",),
        types=("profile",),
        measure="id_verified",
        direction=SAFER,
        no_data=NO_DATA,
        reason_bound=1.0,
    ),
    FeatureSpec(
        name="id_address_months",
        dimension="identity",
        description="Months at the current address",
        unit="months",
        reason="The current address is recent",
        aggregate="last",
        sources=("identity",),
        types=("profile",),
        measure="address_months",
        direction=SAFER,
        no_data=NO_DATA,
        reason_bound=12.0,
        family="address_tenure",
    ),
    FeatureSpec(
        name="id_months_known",
        dimension="identity",
        description="Months since the identity provider first reported",
        unit="months",
        reason="The identity record is recent",
        aggregate="months_since_first",
        sources=("identity",),
        direction=SAFER,
        no_data=NO_DATA,
        reason_bound=12.0,
    ),
)

DIGITAL_FOOTPRINT: tuple[FeatureSpec, ...] = (
    FeatureSpec(
        name="df_platform_months",
        dimension="digital_footprint",
        description="Months since the first platform activity (metadata only)",
        unit="months",
        reason="The platform account is new",
        aggregate="months_since_first",
        sources=("social",),
        direction=SAFER,
        no_data=NO_DATA,
        reason_bound=12.0,
        family="digital_footprint",
    ),
    FeatureSpec(
        name="df_active_months_12m",
        dimension="digital_footprint",
        description="Months with platform activity, 12 months (metadata only)",
        reason="Platform activity was seen in few months of the last year",
        aggregate="series_months_ge",
        series=ACTIVITY,
        threshold=1.0,
        window=12,
        direction=SAFER,
        no_data=NO_DATA,
        reason_bound=6.0,
        family="digital_footprint",
    ),
    FeatureSpec(
        name="df_activity_cv_12m",
        dimension="digital_footprint",
        description="Variability of monthly platform activity counts, 12 months",
        unit="share",
        reason="Platform activity swings a lot",
        aggregate="series_cv",
        series=ACTIVITY,
        window=12,
        direction=RISKIER,
        no_data=NO_DATA,
        reason_bound=0.5,
        family="digital_footprint",
    ),
)

CATALOG: tuple[FeatureSpec, ...] = (
    PAYMENT_HISTORY
    + AMOUNTS_OWED
    + HISTORY_LENGTH
    + NEW_CREDIT
    + CREDIT_MIX
    + CAPACITY
    + IDENTITY
    + DIGITAL_FOOTPRINT
)


def catalog_for(
    policy: Policy, catalog: tuple[FeatureSpec, ...] = CATALOG
) -> tuple[FeatureSpec, ...]:
    """The features a policy allows: allowed dimension and family, and at least one allowed
    source (ratios: both parts allowed)."""
    allowed: dict[str, FeatureSpec] = {}
    for spec in catalog:
        if spec.aggregate == "ratio" or not policy.allows_feature(spec.dimension, spec.family):
            continue
        if any(policy.allows_source(s) for s in spec.fed_by):
            allowed[spec.name] = spec
    for spec in catalog:
        if (
            spec.aggregate == "ratio"
            and policy.allows_feature(spec.dimension, spec.family)
            and spec.numerator in allowed
            and spec.denominator in allowed
        ):
            allowed[spec.name] = spec
    return tuple(s for s in catalog if s.name in allowed)
