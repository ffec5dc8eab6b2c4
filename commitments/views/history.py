"""History you can see: a commitment's wordings (public, as the catalogue is) and a progress
update's edits (its organisation and the secretariat)."""

from django.shortcuts import render

from .. import permissions, selectors


def commitment_history(request, pk):
    commitment = permissions.access_commitment(request.user, pk)
    entries = selectors.commitment_history(request.user, commitment)
    return render(request, "commitments/commitment_history.html", {"commitment": commitment, "entries": entries})


def update_history(request, pk):
    update = permissions.access_update_history(request.user, pk)
    entries = selectors.update_history(update)
    return render(request, "commitments/update_history.html", {"update": update, "entries": entries})
