from django.urls import path

from accounts import landing, two_factor, views

app_name = "accounts"

urlpatterns = [
    path("sign-in/", views.SignInView.as_view(), name="login"),
    path("sign-out/", views.SignOutView.as_view(), name="logout"),
    path("password-reset/", views.PasswordResetView.as_view(), name="password_reset"),
    path("password-reset/sent/", views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "password-reset/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "password-reset/complete/",
        views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("two-factor/set-up/", two_factor.setup, name="two_factor_setup"),
    path("two-factor/verify/", two_factor.verify, name="two_factor_verify"),
    path("home/", views.home, name="home"),
    path("home/manager/", landing.ManagerHomeView.as_view(), name="manager_home"),
    path("home/board/", landing.BoardHomeView.as_view(), name="board_home"),
    path("home/council/", landing.CouncilHomeView.as_view(), name="council_home"),
    path("home/peer/", landing.PeerHomeView.as_view(), name="peer_home"),
    path("home/group-office/", landing.GroupOfficeHomeView.as_view(), name="group_office_home"),
]
