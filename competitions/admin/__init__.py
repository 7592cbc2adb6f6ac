"""Staff screens for competitions in the Wagtail admin (menu 大赛); registered in
`competitions.wagtail_hooks`."""
