"""Interface text of the dashboard in English and Chinese (``?lang=zh`` switches)."""

from __future__ import annotations

TEXT: dict[str, dict[str, str]] = {
    "en": {
        "app": "ShopLens",
        "overview": "Overview",
        "journeys": "Journeys",
        "customers": "Customers",
        "insight": "Insight",
        "guidance": "Guidance",
        "login": "Log in",
        "logout": "Log out",
        "api_key": "API key",
        "login_help": "Log in with an API key holding analytics:read (shoplens keys create).",
        "bad_key": "This key is unknown, revoked, or may not read the dashboard.",
        "funnel_builder": "Funnel builder",
        "steps": "Click the steps in order",
        "chosen": "Funnel",
        "clear": "clear",
        "window": "Window",
        "days": "days",
        "breakdown": "Breakdown",
        "none": "none",
        "churn_list": "Highest churn risk",
        "try_assistant": "Assistant: try it",
        "try_help": (
            "Paste an assistant key (bound to one customer): the assistant answers as that "
            "customer."
        ),
        "try_message": "Message",
        "try_send": "Send",
        "timeline": "Recent timeline",
        "recommendations": "Recommendations",
        "drivers": "Stored figures behind the churn risk",
        "segment": "segment",
        "stage": "stage",
        "clv": "CLV",
        "churn": "churn risk",
        "sentiment": "latest sentiment",
        "customer": "Customer",
        "nothing": "Nothing computed for this page yet: run `shoplens run`.",
    },
    "zh": {
        "app": "ShopLens 客户洞察",
        "overview": "总览",
        "journeys": "用户旅程",
        "customers": "客户",
        "insight": "洞察",
        "guidance": "运营建议",
        "login": "登录",
        "logout": "退出",
        "api_key": "API 密钥",
        "login_help": "使用具有 analytics:read 权限的 API 密钥登录(shoplens keys create)。",
        "bad_key": "密钥无效、已吊销,或无权查看看板。",
        "funnel_builder": "漏斗构建器",
        "steps": "按顺序点击步骤",
        "chosen": "漏斗",
        "clear": "清空",
        "window": "转化窗口",
        "days": "天",
        "breakdown": "细分维度",
        "none": "无",
        "churn_list": "流失风险最高的客户",
        "try_assistant": "智能客服：试一试",
        "try_help": "粘贴一个绑定客户的 assistant 密钥：客服将以该客户的身份回答。",
        "try_message": "消息",
        "try_send": "发送",
        "timeline": "最近的行为时间线",
        "recommendations": "推荐商品",
        "drivers": "流失风险依据(已存储的指标)",
        "segment": "分群",
        "stage": "生命周期阶段",
        "clv": "客户终身价值",
        "churn": "流失风险",
        "sentiment": "最近情感",
        "customer": "客户",
        "nothing": "此页面尚无计算结果:请先运行 `shoplens run`。",
    },
}
LANGS = tuple(TEXT)


def texts(lang: str) -> dict[str, str]:
    """The interface text of ``lang`` (English when unknown).

    Examples
    --------
    >>> texts("zh")["journeys"], texts("fr")["journeys"]
    ('用户旅程', 'Journeys')
    """
    return TEXT.get(lang, TEXT["en"])
