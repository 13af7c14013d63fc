FEATURES = [
    "debt_to_income",
    "credit_utilisation",
    "months_since_delinquency",
    "open_accounts",
    "loan_amount_to_income",
    "employment_months",
    "recent_inquiries",
    "has_mortgage",
]

REASON_CODES = {
    "debt_to_income": "R01 Debt-to-income ratio too high",
    "credit_utilisation": "R02 High revolving credit utilisation",
    "months_since_delinquency": "R03 Recent delinquency",
    "recent_inquiries": "R04 Too many recent credit inquiries",
}
