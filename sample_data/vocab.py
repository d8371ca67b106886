"""The fixed vocabulary of the simulated company: teams, agents, categories, names, phrases."""
from __future__ import annotations

# Team -> agents. First names are unique: the Asterisk SIP peer is the lower-case first name.
TEAMS: dict[str, list[str]] = {
    "Billing": ["Anna Petrova", "James Carter", "Maria Lopez", "David Kim", "Olga Ivanova", "Tom Becker"],
    "Technical": ["Ivan Sokolov", "Emily Chen", "Raj Patel", "Sara Novak", "Lucas Moreau", "Nina Berg",
                  "Oscar Diaz", "Priya Nair"],
    "Onboarding": ["Chloe Martin", "Ben Walker", "Yuki Tanaka", "Elena Popova", "Sam Green"],
    "Accounts": ["Laura Rossi", "Mark Evans", "Dmitri Volkov", "Hannah Weiss", "Carlos Silva"],
    "Tier 2": ["Grace Hall", "Pavel Orlov", "Fatima Khan", "Noah Fischer"],
}
TEAM_NAMES = list(TEAMS)
# Slow teams: their reply and resolution times are multiplied by this.
TEAM_SLOWNESS = {"Billing": 1.6, "Technical": 1.0, "Onboarding": 0.9, "Accounts": 1.0, "Tier 2": 2.0}

# category: share of tickets, team, median hours from first reply to solve, reopen probability,
# Zendesk ticket type, subjects.
CATEGORIES: dict[str, dict] = {
    "billing": dict(share=0.19, team="Billing", solve_hours=6.0, reopen=0.07, type="Question",
                    subjects=["Invoice {n} looks wrong", "Charged twice this month", "Need a copy of invoice {n}",
                              "Refund request", "Update billing address", "VAT number on invoices"]),
    "login": dict(share=0.11, team="Accounts", solve_hours=2.0, reopen=0.05, type="Incident",
                  subjects=["Cannot log in", "Password reset email never arrives", "Locked out after 2FA change",
                            "SSO login fails with error {n}"]),
    "bug": dict(share=0.17, team="Technical", solve_hours=16.0, reopen=0.14, type="Problem",
                subjects=["Export fails with error {n}", "Dashboard does not load", "Sync stopped working",
                          "API returns 500 on /orders", "Report totals are wrong", "App crashes on upload"]),
    "how-to": dict(share=0.22, team="Onboarding", solve_hours=3.0, reopen=0.04, type="Question",
                   subjects=["How do I add a user?", "How to set up the integration", "Where is the export button?",
                             "Question about permissions", "Can we change our workspace name?"]),
    "cancellation": dict(share=0.05, team="Billing", solve_hours=10.0, reopen=0.06, type="Question",
                         subjects=["Cancel our subscription", "Downgrade plan at renewal", "Close account {n}"]),
    "shipping": dict(share=0.08, team="Accounts", solve_hours=12.0, reopen=0.09, type="Incident",
                     subjects=["Order {n} has not arrived", "Hardware token delivery", "Wrong item shipped",
                               "Tracking number missing"]),
    "account": dict(share=0.10, team="Accounts", solve_hours=5.0, reopen=0.06, type="Question",
                    subjects=["Change account owner", "Add a new admin", "Merge two accounts", "Update company details"]),
    "feature-request": dict(share=0.08, team="Technical", solve_hours=24.0, reopen=0.05, type="Task",
                            subjects=["Feature request: dark mode", "Please add CSV import", "Webhook for new orders?",
                                      "Bulk edit for users"]),
}
CATEGORY_NAMES = list(CATEGORIES)
ESCALATE_TO_TIER2 = {"bug": 0.35, "feature-request": 0.10}
EXTRA_TAGS = ["mobile", "web_app", "invoice", "sso", "integration", "refund", "follow_up"]

CHANNELS = ["email", "web", "chat", "phone", "api"]
CHANNEL_SHARE = [0.36, 0.27, 0.16, 0.12, 0.09]
VIA = {"email": "Email", "web": "Web Form", "chat": "Chat", "phone": "Phone call (inbound)", "api": "API"}
# Median first-reply minutes per channel during business hours (before team/priority factors).
CHANNEL_REPLY_MINUTES = {"email": 95.0, "web": 85.0, "chat": 2.5, "phone": 6.0, "api": 140.0}

PRIORITIES = ["urgent", "high", "normal", "low", ""]  # "" = blank in the export (the Normal policy matches it)
PRIORITY_SHARE = [0.05, 0.17, 0.58, 0.15, 0.05]
PRIORITY_SPEED = {"urgent": 0.35, "high": 0.6, "normal": 1.0, "low": 1.6, "": 1.1}

SEGMENTS = ["SMB", "Mid-market", "Enterprise"]
SEGMENT_SHARE = [0.6, 0.3, 0.1]
SEGMENT_ACTIVITY = [0.8, 1.4, 2.6]  # relative contact rate
PLANS = ["Basic", "Pro", "Enterprise"]
PLAN_GIVEN_SEGMENT = [[0.70, 0.28, 0.02], [0.25, 0.60, 0.15], [0.02, 0.28, 0.70]]
PLAN_MONTHLY_MEDIAN = [79.0, 390.0, 2400.0]
# Confounding: Basic customers are more often exposed to bad service AND churn more anyway.
BASE_CHURN = [0.18, 0.10, 0.05]
EXPOSURE_DIST = [  # P(K = 0, 1, 2, 3, 4) negative experiences in the window, per plan
    [0.40, 0.30, 0.16, 0.09, 0.05],
    [0.54, 0.27, 0.11, 0.06, 0.02],
    [0.70, 0.19, 0.07, 0.03, 0.01],
]
DOSE_EXTRA = {1: 1.0, 2: 1.5, 3: 1.75}  # extra churn = churn_effect x this, by K (K >= 3 uses 3): dose-response

CHURN_REASONS_SUPPORT = {
    "Dissatisfaction": ["Poor support response", "Support took too long to reply", "Issue was never resolved"],
    "Attitude": ["Attitude of support person", "Rude support agent"],
}
CHURN_REASONS_OTHER = {
    "Competitor": ["Competitor made better offer", "Competitor had better features"],
    "Price": ["Price too high", "Extra charges", "Budget cuts"],
    "Other": ["Moved", "Company closed", "Merged with another company"],
    "Dissatisfaction": ["Product did not meet needs", "Missing features"],
}

COMPANY_WORDS_1 = ["Blue", "North", "Bright", "Silver", "Green", "Rapid", "Clear", "Summit", "Iron", "Cedar",
                   "Harbor", "Golden", "Prime", "Swift", "Stone", "Maple", "Polar", "Urban", "Coastal", "Red",
                   "Nova", "Apex", "Lumen", "Vector", "Quiet", "Bold", "Pine", "River", "Sky", "Oak"]
COMPANY_WORDS_2 = ["Harbor", "Logistics", "Foods", "Analytics", "Dental", "Retail", "Studio", "Motors", "Health",
                   "Labs", "Capital", "Robotics", "Travel", "Energy", "Media", "Legal", "Farms", "Works", "Supply",
                   "Pharma", "Design", "Bakery", "Clinic", "Software", "Freight", "Textiles", "Optics", "Realty",
                   "Brewing", "Academy"]
COMPANY_SUFFIX = ["Inc", "LLC", "Ltd", "Group", "Co", "Partners", "GmbH", "Corp"]
FIRST_NAMES = ["John", "Mary", "Alex", "Linda", "Michael", "Sofia", "Daniel", "Olivia", "Peter", "Julia", "Kevin",
               "Irina", "Sergey", "Lisa", "Robert", "Aisha", "Chen", "Marta", "Luis", "Karen", "Ahmed", "Nora",
               "Victor", "Eva", "George", "Tanya", "Omar", "Helen", "Paul", "Ruth"]
LAST_NAMES = ["Smith", "Johnson", "Brown", "Garcia", "Miller", "Davis", "Wilson", "Moore", "Taylor", "Anderson",
              "Thomas", "Jackson", "White", "Harris", "Clark", "Lewis", "Young", "King", "Wright", "Scott",
              "Kuznetsova", "Smirnov", "Nguyen", "Schmidt", "Rossi", "Cohen", "Singh", "Ali", "Murphy", "Kowalski"]
PUBLIC_MAIL = ["gmail.com", "outlook.com", "yahoo.com", "proton.me"]

QUEUES = ["support", "billing", "technical"]
QUEUE_SHARE = [0.5, 0.3, 0.2]
QUEUE_EXTENSION = {"support": "600", "billing": "601", "technical": "602"}
QUEUE_TEAMS = {"support": ["Accounts", "Onboarding"], "billing": ["Billing"], "technical": ["Technical", "Tier 2"]}

SURVEY_QUESTIONS = {
    "CSAT": "How satisfied were you with the help you received?",
    "NPS": "How likely are you to recommend us to a friend or colleague?",
    "CES": "How easy was it to get your issue resolved?",
}
# Comment phrases by sentiment (negative, neutral, positive); a few are Russian.
PHRASES = {
    "negative": ["Took forever to get a reply", "Nobody answered my call", "Had to explain the problem three times",
                 "The issue is still not fixed", "Support was slow, and the answer did not help",
                 "I was on hold for ages", "Agent closed the ticket without solving it",
                 "Very disappointed with the service"],
    "neutral": ["OK in the end", "Fine, but it could be faster", "The answer was correct, if a bit short",
                "Average experience", "Got there eventually"],
    "positive": ["Quick and helpful, thanks!", "Great support as always", "Solved in minutes",
                 "Anna was brilliant, thank you", "Clear answer, no back and forth", "Friendly and fast",
                 "Excellent, problem solved on the first call"],
}
PHRASES_RU = {
    "negative": ["Очень долго ждал ответа", "Проблему так и не решили", "Никто не взял трубку"],
    "neutral": ["Нормально, но можно быстрее", "В целом неплохо"],
    "positive": ["Спасибо, всё быстро решили", "Отличная поддержка"],
}
