using System.CommandLine;

namespace WangJian.Credit.Cli.Commands;

/// <summary>Wraps a command's handler with connection settings, output and error handling.</summary>
public delegate Func<ParseResult, CancellationToken, Task<int>> Binder(Func<CommandContext, ParseResult, Task<int>> handler);
