"""URLs of the surveys pages: one private link per invitation (no sign-in)."""

from django.urls import re_path

from surveys import views

app_name = "surveys"

TOKEN = r"(?P<token>[A-Za-z0-9_-]{20,64})"

urlpatterns = [
    re_path(rf"^{TOKEN}/$", views.SurveyAnswerView.as_view(), name="answer"),
    re_path(rf"^{TOKEN}/thank-you/$", views.survey_thank_you, name="thank_you"),
]
