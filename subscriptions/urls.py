from padmakara.api.routing import slash_optional

from . import api

urlpatterns = [
    *slash_optional("user/subscription", api.SubscriptionView.as_view(), "user-subscription"),
    *slash_optional("user/subscription/cancel", api.CancelSubscriptionView.as_view(), "user-subscription-cancel"),
    *slash_optional(
        "payments/easypay/notifications", api.EasypayNotificationView.as_view(), "payments-easypay-notifications"
    ),
]
