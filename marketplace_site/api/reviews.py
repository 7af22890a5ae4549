"""The API's reviews resource: a plugin's reviews, and reviewing a plugin (the same action
as the plugin page's review form)."""

from django.http import HttpRequest
from ninja import Router, Status
from ninja.params.functions import Query

from marketplace_site.actions import create_marketplace
from marketplace_site.actions import reviews as review_actions
from marketplace_site.api.auth import token_auth
from marketplace_site.api.errors import LIMITED, READ_ERRORS, WRITE_ERRORS
from marketplace_site.api.plugins import plugin_or_404
from marketplace_site.api.schemas import (
    MAX_OFFSET,
    MAX_PAGE_SIZE,
    NameParam,
    ReviewIn,
    ReviewListOut,
    ReviewOut,
)
from marketplace_site.web.ratelimit import check_request
from reviews import services as review_services

router = Router()


@router.get(
    "/plugins/{name}/reviews",
    response={200: ReviewListOut, **READ_ERRORS},
    tags=["reviews"],
    summary="A plugin's reviews, newest first (hidden ones left out)",
)
def review_list(
    request: HttpRequest,
    name: str = NameParam,
    offset: int = Query(0, ge=0, le=MAX_OFFSET),
    limit: int = Query(20, ge=1, le=MAX_PAGE_SIZE),
) -> ReviewListOut:
    marketplace = create_marketplace()
    plugin = plugin_or_404(marketplace, name)
    reviews, count = marketplace.reviews.for_plugin_page(
        plugin.canonical_name, offset=offset, limit=limit
    )
    return ReviewListOut(
        plugin=plugin.display_name,
        average_rating=marketplace.reviews.average_rating(plugin.canonical_name),
        count=count,
        offset=offset,
        limit=limit,
        items=[ReviewOut.of(review) for review in reviews],
    )


@router.post(
    "/plugins/{name}/reviews",
    response={201: ReviewOut, **WRITE_ERRORS, **LIMITED},
    auth=token_auth,
    tags=["reviews"],
    summary="Review a plugin (a second review by the same user replaces the first)",
)
def review_add(request: HttpRequest, payload: ReviewIn, name: str = NameParam) -> Status[ReviewOut]:
    check_request(request, "review")
    review, _created = review_actions.review_submit(
        create_marketplace(),
        name,
        acting_user=request.user,
        rating=payload.rating,
        comment=payload.comment,
    )
    return Status(201, ReviewOut.of(review_services.to_value(review)))
