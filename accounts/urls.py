from padmakara.api.routing import slash_optional

from . import api

urlpatterns = [
    *slash_optional("auth/register", api.RegisterView.as_view(), "auth-register"),
    *slash_optional("auth/verify-email", api.VerifyEmailView.as_view(), "auth-verify-email"),
    *slash_optional("auth/resend-verification", api.ResendVerificationView.as_view(), "auth-resend-verification"),
    *slash_optional("auth/login", api.LoginView.as_view(), "auth-login"),
    *slash_optional("auth/login/mfa", api.LoginMfaView.as_view(), "auth-login-mfa"),
    *slash_optional("auth/request-access", api.RequestAccessView.as_view(), "auth-request-access"),
    *slash_optional("auth/email-code", api.EmailCodeView.as_view(), "auth-email-code"),
    *slash_optional("auth/email-code/verify", api.EmailCodeVerifyView.as_view(), "auth-email-code-verify"),
    *slash_optional("auth/refresh", api.RefreshView.as_view(), "auth-refresh"),
    *slash_optional("auth/logout", api.LogoutView.as_view(), "auth-logout"),
    *slash_optional("auth/forgot-password", api.ForgotPasswordView.as_view(), "auth-forgot-password"),
    *slash_optional("auth/reset-password", api.ResetPasswordView.as_view(), "auth-reset-password"),
    *slash_optional("auth/change-password", api.ChangePasswordView.as_view(), "auth-change-password"),
    *slash_optional("auth/mfa/setup", api.MfaSetupView.as_view(), "auth-mfa-setup"),
    *slash_optional("auth/mfa/verify", api.MfaVerifyView.as_view(), "auth-mfa-verify"),
    *slash_optional("user/profile", api.ProfileView.as_view(), "user-profile"),
    *slash_optional("user/preferences", api.PreferencesView.as_view(), "user-preferences"),
    *slash_optional("user/account", api.AccountView.as_view(), "user-account"),
    *slash_optional("user/export", api.ExportView.as_view(), "user-export"),
    *slash_optional("user/devices", api.DeviceListView.as_view(), "user-devices"),
    *slash_optional("user/devices/<uuid:device_id>", api.DeviceDetailView.as_view(), "user-device"),
]
