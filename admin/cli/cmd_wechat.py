"""`intake wechat ...` commands."""

from __future__ import annotations

import typer

from admin.cli.settings import settings_or_exit

app = typer.Typer(help="The WeChat official account channel.", no_args_is_help=True)


@app.command()
def menu() -> None:
    """Create the account's custom menu: 开始登记 / 继续填写 / 更多 > 我的登记, 人工服务."""
    import requests
    from wechatpy.exceptions import WeChatClientException

    from bot.channels.wechat_api import WeChatAPI, menu_definition

    settings = settings_or_exit()
    if not settings.wechat_appid or not settings.wechat_secret:
        typer.echo("INTAKE_WECHAT_APPID and INTAKE_WECHAT_SECRET must be set to create the menu "
                   "(AppID and AppSecret from the official account's 开发 > 基本配置 page).", err=True)
        raise typer.Exit(2)
    client = WeChatAPI(settings.wechat_appid, settings.wechat_secret, settings.wechat_api_base)
    try:
        client.menu.create(menu_definition())
    except WeChatClientException as exc:
        typer.echo(f"WeChat refused to create the menu: {exc.errcode} {exc.errmsg}", err=True)
        raise typer.Exit(1) from None
    except requests.RequestException as exc:
        typer.echo(f"could not reach the WeChat API at {settings.wechat_api_base}: {type(exc).__name__}", err=True)
        raise typer.Exit(1) from None
    finally:
        client.close()
    names = [b["name"] for b in menu_definition()["button"] if "key" in b]
    names += [f"{b['name']} > {s['name']}" for b in menu_definition()["button"] for s in b.get("sub_button", ())]
    typer.echo(f"menu created: {' / '.join(names)}")
