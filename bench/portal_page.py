"""A report body inside a whole portal detail page, as the large government CMS platforms serve it.

Around the body container: the national website norms' metas, style sheets and scripts (a statistics
snippet inline), a top bar (繁體版, 无障碍, 长者版), the site header with its search form, a two-level
column menu, the breadcrumb, the title and the 索引号 / 发布机构 / 发布时间 block, the share and print
widgets, and the footer (links to other government sites in <select>s, 主办/承办, 网站标识码,
ICP备案, 公网安备, the 纠错 and 党政机关 badge scripts). Everything is the project's own text.
"""

from __future__ import annotations

import html
from typing import Final

# The site's columns and their sub-columns: the menu every page of a portal repeats.
_COLUMNS: Final[tuple[tuple[str, tuple[str, ...]], ...]] = (
    ("首页", ()),
    ("走进{site}", ("概况", "历史沿革", "行政区划", "自然资源", "人口民族")),
    (
        "政务公开",
        ("政府信息公开指南", "政府信息公开制度", "法定主动公开内容", "政府信息公开年报", "政策解读"),
    ),
    ("政务服务", ("个人办事", "法人办事", "便民服务", "办事指南")),
    ("互动交流", ("领导信箱", "在线访谈", "征集调查", "12345热线")),
    ("新闻中心", ("政务要闻", "部门动态", "乡镇动态", "通知公告", "图片新闻")),
    ("专题专栏", ("优化营商环境", "乡村振兴", "安全生产", "生态环境保护")),
    ("数据开放", ("统计数据", "统计公报", "数据发布")),
)
_GOV_SITES: Final[tuple[str, ...]] = (
    "中国政府网",
    "国务院办公厅",
    "国家发展和改革委员会",
    "教育部",
    "科学技术部",
    "工业和信息化部",
    "公安部",
    "民政部",
    "司法部",
    "财政部",
    "人力资源和社会保障部",
    "自然资源部",
    "生态环境部",
    "住房和城乡建设部",
    "交通运输部",
    "水利部",
    "农业农村部",
    "商务部",
    "文化和旅游部",
    "国家卫生健康委员会",
)
_STATISTICS_SCRIPT: Final[str] = (
    "var _hmt = _hmt || [];\n(function() {\n  var hm = document.createElement('script');\n"
    "  hm.src = '/js/stat.js?site={code}';\n  var s = document.getElementsByTagName('script')[0];\n"
    "  s.parentNode.insertBefore(hm, s);\n})();\n"
)


def _esc(text: str) -> str:
    return html.escape(text, quote=True)


def _menu(site: str) -> str:
    items = []
    for n, (name, subs) in enumerate(_COLUMNS):
        label = _esc(name.format(site=site))
        sub = "".join(
            f'<li><a href="/col/col{n}{k}/index.html" target="_blank">{_esc(s)}</a></li>'
            for k, s in enumerate(subs)
        )
        items.append(
            f'<li class="nav-item"><a href="/col/col{n}/index.html">{label}</a>'
            + (f'<ul class="sub-nav">{sub}</ul>' if sub else "")
            + "</li>"
        )
    return '<div class="nav"><ul class="nav-list">' + "".join(items) + "</ul></div>\n"


def _site_links(title: str, names: tuple[str, ...]) -> str:
    options = "".join(
        f'<option value="http://www.site{n}.gov.cn">{_esc(name)}</option>' for n, name in enumerate(names)
    )
    return f'<select onchange="window.open(this.value)"><option>{_esc(title)}</option>{options}</select>'


def portal_page(
    *,
    title: str,
    body_html: str,
    container: str,
    charset_meta: str,
    metas: dict[str, str],
    info: list[str],
    portal: str,
    site_name: str,
    site_code: str,
    site_id: str,
) -> str:
    """The detail page's HTML (not yet encoded)."""
    head = (
        f"<!DOCTYPE html>\n<html>\n<head>\n{charset_meta}"
        '<meta http-equiv="X-UA-Compatible" content="IE=edge">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1.0">\n'
        f"<title>{_esc(title)}_{_esc(portal)}</title>\n"
        + "".join(f'<meta name="{k}" content="{_esc(v)}">\n' for k, v in metas.items())
        + '<link rel="stylesheet" type="text/css" href="/images/base.css">\n'
        + '<link rel="stylesheet" type="text/css" href="/images/detail.css">\n'
        + '<script type="text/javascript" src="/js/jquery.min.js"></script>\n'
        + '<script type="text/javascript" src="/js/common.js"></script>\n'
        + "<script>\n"
        + _STATISTICS_SCRIPT.replace("{code}", site_code)
        + "</script>\n</head>\n"
    )
    top = (
        f'<div class="topbar"><div class="w1200"><span class="welcome">您好，欢迎访问{_esc(portal)}！</span>'
        '<span class="links"><a href="/fanti/">繁體版</a> | <a href="/wza/">无障碍</a> | '
        '<a href="/zzb/">长者版</a> | <a href="/login/">登录</a> | <a href="/reg/">注册</a></span>'
        "</div></div>\n"
        '<div class="header"><div class="logo"><a href="/">'
        f'<img src="/images/logo.png" alt="{_esc(portal)}"></a></div>'
        '<div class="search"><form action="/search/" method="get" target="_blank">'
        '<input type="text" name="q" class="search-input" placeholder="请输入关键词">'
        '<button type="submit" class="search-btn">搜索</button></form></div></div>\n'
        + _menu(site_name)
        + '<div class="crumb">当前位置：<a href="/">首页</a> &gt; <a href="/zwgk/">政务公开</a> &gt; '
        '<a href="/zwgk/ndbg/">政府信息公开年报</a></div>\n'
    )
    detail = (
        f'<div class="detail"><h1 class="detail-title">{_esc(title)}</h1>\n'
        f'<div class="meta">{"　".join(info)}</div>\n'
        + container
        + "\n"
        + body_html
        + "</div>\n"
        + '<div class="share">分享到：<a href="#" class="wx">微信</a> <a href="#" class="wb">微博</a> '
        '<a href="javascript:window.print()">打印此页</a> '
        '<a href="javascript:window.close()">关闭窗口</a></div>\n'
        "</div>\n"
    )
    footer = (
        '<div class="footer"><div class="footer-links">'
        + _site_links("国务院部门网站", _GOV_SITES)
        + _site_links("市县政府网站", tuple(f"{site_name}第{n}区县人民政府" for n in range(1, 13)))
        + "</div>\n"
        f'<div class="footer-info"><p>主办单位：{_esc(portal)}办公室　'
        f"承办单位：{_esc(site_name)}大数据中心</p>"
        f"<p>网站标识码：{site_id}　ICP备案：样ICP备{site_code}号　公网安备 {site_code}02000001号</p>"
        '<p>联系电话：0000-00000000　<a href="/about/">关于我们</a>　<a href="/sitemap/">网站地图</a></p>'
        f'<script id="_jiucuo_" sitecode="{site_id}" src="/js/jiucuo.js"></script>'
        '<span class="dzjg"><script src="/js/dzjg.js"></script></span></div></div>\n'
    )
    return head + "<body>\n" + top + detail + footer + "</body>\n</html>\n"
