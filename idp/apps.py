from django.apps import AppConfig


class IdpConfig(AppConfig):
    name = "idp"
    verbose_name = "Cổng định danh điện tử (mô phỏng)"
    default_auto_field = "django.db.models.BigAutoField"
