"""Site-wide pages: the start page and the statements every service publishes."""

from django.shortcuts import redirect, render


def start(request):
    """Start page: signed-in users go to their role's home."""
    if request.user.is_authenticated:
        return redirect("accounts:home")
    return render(request, "start.html")


def accessibility(request):
    return render(request, "accessibility.html")


def privacy(request):
    return render(request, "privacy.html")
