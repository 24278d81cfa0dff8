"""``--config FILE``, ``--no-config``, or ``rolescope.yaml`` in the working directory.

The file's option defaults become click's ``default_map`` (so the command line always wins and no
option is wired by hand); its trusted accounts become the default of ``--trusted-accounts``; its
check settings reach the checks through :func:`configured`. Only the working directory is searched,
not its parents: a scan's verdicts must not change with a file the user cannot see from where they
stand.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from rolescope.checks.context import CheckSettings
from rolescope.cli.errors import InputError
from rolescope.cli.say import say
from rolescope.report.model import ConfigFile
from rolescope.yaml_input import unknown_key

if TYPE_CHECKING:
    from rolescope.config import Config

CONFIG_FILE_NAME = "rolescope.yaml"
_META_KEY = "rolescope.config"
HELP_ASKED = "rolescope.help"  # set by the command group when -h/--help is among the arguments


def hoist_config_options(args: list[str]) -> list[str]:
    """``args`` with ``--config FILE``/``--config=FILE``/``--no-config`` moved before the command.

    They are options of ``rolescope`` itself, but people write them where they write the others
    (``rolescope scan --config team.yaml``), as the AWS CLI lets them put ``--profile`` anywhere.
    Arguments after ``--`` are left alone.
    """
    hoisted: list[str] = []
    rest: list[str] = []
    index = 0
    while index < len(args):
        arg = args[index]
        if arg == "--":
            rest.extend(args[index:])
            break
        if arg == "--no-config" or arg.startswith("--config="):
            hoisted.append(arg)
        elif arg == "--config" and index + 1 < len(args):
            hoisted.extend(args[index:index + 2])
            index += 1
        else:
            rest.append(arg)
        index += 1
    return [*hoisted, *rest]


def config_options(function: Callable[..., Any]) -> Callable[..., Any]:
    """``--config`` and ``--no-config``, for the command group."""
    function = click.option("--no-config", is_flag=True,
                            help=f"Ignore {CONFIG_FILE_NAME} in the working directory.")(function)
    return click.option("--config", "config_file", type=click.Path(dir_okay=False, path_type=Path),
                        help=f"Configuration file [default: {CONFIG_FILE_NAME} in the working directory, if "
                             "there is one]. Command-line options win over it.")(function)


def use_config(ctx: click.Context, config_file: Path | None, no_config: bool) -> None:
    """Load the configuration (if any) before the subcommand parses its options.

    Raises:
        InputError: both options, or the file is invalid (one line naming the file and the place).
    """
    if config_file is not None and no_config:
        raise InputError("--config and --no-config exclude each other")
    path = config_file
    if path is None:
        path = Path(CONFIG_FILE_NAME)  # in the working directory
        if no_config or not path.exists():
            return
    from rolescope.config import ConfigError, load_config  # the catalogue is read only when a file is used

    try:
        config = load_config(path)
    except ConfigError as error:
        if ctx.meta.get(HELP_ASKED):  # a broken file must not hide the help that explains how to fix it
            say(f"rolescope: warning: {error} (ignored for --help)", err=True)
            return
        raise InputError(str(error)) from None
    ctx.default_map = default_map(ctx, config)
    ctx.meta[_META_KEY] = config


def current_config() -> Config | None:
    """The configuration the running command was given, if any."""
    ctx = click.get_current_context(silent=True)
    config: Config | None = ctx.meta.get(_META_KEY) if ctx is not None else None
    return config


def configured(settings: CheckSettings) -> CheckSettings:
    """``settings`` with the configuration's vendors, check parameters and severity overrides."""
    config = current_config()
    return config.apply(settings) if config is not None else settings


def config_record() -> ConfigFile | None:
    """The configuration file the running command uses, as scan documents record it."""
    config = current_config()
    return None if config is None else ConfigFile(str(Path(config.source).absolute()), config.sha256)


def announce_config() -> None:
    """Say on standard error which configuration file the command uses."""
    config = current_config()
    if config is not None:
        say(f"rolescope: config: {config.source}", err=True)


def default_map(ctx: click.Context, config: Config) -> dict[str, dict[str, Any]]:
    """click's ``default_map`` for the group: ``{command: {parameter name: value}}``.

    Raises:
        InputError: an unknown command or option, or a value the option refuses.
    """
    group = ctx.command
    if not isinstance(group, click.Group):
        raise TypeError("the configuration belongs to the command group")
    commands = group.list_commands(ctx)
    defaults: dict[str, dict[str, Any]] = {}
    for name, options in config.defaults.items():
        command = group.get_command(ctx, name) if name in commands else None
        if command is None:
            raise InputError(f"{config.source}: defaults: {unknown_key(name, commands, 'command')}")
        defaults[name] = _option_defaults(ctx, command, name, options, config.source)
    if config.trusted_accounts:
        for name in commands:  # a command without --trusted-accounts never looks the key up
            entry = defaults.setdefault(name, {})
            if "trusted_accounts" in entry:
                raise InputError(f"{config.source}: defaults.{name}: trusted-accounts is also given by "
                                 "trusted_accounts; keep one")
            entry["trusted_accounts"] = ",".join(config.trusted_accounts)
    return defaults


def _option_defaults(ctx: click.Context, command: click.Command, name: str, options: Mapping[str, Any],
                     source: str) -> dict[str, Any]:
    by_key: dict[str, click.Option] = {}
    for param in command.params:
        if isinstance(param, click.Option) and param.name is not None:
            for flag in param.opts:
                if flag.startswith("--"):
                    by_key[flag[2:]] = param
    chosen: dict[str, Any] = {}
    for key, value in options.items():
        option = by_key.get(str(key).replace("_", "-"))
        if option is None or option.name is None:
            raise InputError(f"{source}: defaults.{name}: {unknown_key(key, by_key, 'option')}")
        where = f"{source}: defaults.{name}.{key}"
        value = _plain(value, option.multiple, where)
        try:
            # checked now, so a bad value names the file rather than an option the user never typed
            option.type_cast_value(click.Context(command, parent=ctx, info_name=name), value)
        except click.BadParameter as error:
            raise InputError(f"{where}: {error.message}") from None
        chosen[option.name] = value
    return chosen


def _plain(value: Any, multiple: bool, where: str) -> Any:
    """A value as the command line would give it: text, a number or a flag; a list for a repeatable option."""
    if multiple:
        return [_plain(item, False, where) for item in (value if isinstance(value, list) else [value])]
    if isinstance(value, date):  # YAML reads 2026-11-23 as a date; --as-of wants the text
        return value.isoformat()
    if not isinstance(value, str | int | float | bool):
        kind = "a list" if isinstance(value, list) else type(value).__name__
        raise InputError(f"{where}: expected text, a number or true/false, not {kind}"
                         + (" (the option is not repeatable)" if isinstance(value, list) else ""))
    return value
