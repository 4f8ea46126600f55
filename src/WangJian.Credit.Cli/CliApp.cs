using System.CommandLine;
using System.Globalization;
using Grpc.Core;
using WangJian.Credit.Cli.Commands;

namespace WangJian.Credit.Cli;

/// <summary>What every command gets: where to write, how to connect, and when to stop.</summary>
public sealed record CommandContext(Output Output, ConnectionSettings Settings, CancellationToken CancellationToken)
{
    public Connection Connect(string defaultRole) => Connection.Open(Settings, defaultRole);
}

/// <summary>The options every command takes; new instances for each parse, so parses can run side by side.</summary>
public sealed class GlobalOptions
{
    public Option<string> Server { get; } = new("--server")
    {
        Description = $"Server address (env WJCREDIT_SERVER; default {Connection.DefaultServer})",
        Recursive = true,
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("WJCREDIT_SERVER") is { Length: > 0 } s ? s : Connection.DefaultServer,
    };

    public Option<string?> Token { get; } = new("--token")
    {
        Description = "Bearer token (env WJCREDIT_TOKEN)",
        Recursive = true,
    };

    public Option<string?> TokenFile { get; } = new("--token-file")
    {
        Description = $"A dev-tokens.json file as the server writes it (default ./{Connection.DefaultTokenFile} when it exists and no token is given)",
        Recursive = true,
    };

    public Option<string?> As { get; } = new("--as")
    {
        Description = "Which token of the token file: regulator, regulator-2, platform, admin, operator, auditor, agency:NDRC, … (default: the command's usual role)",
        Recursive = true,
    };

    public Option<bool> Json { get; } = new("--json")
    {
        Description = "Machine-readable output: the response as JSON (one object per line for watch)",
        Recursive = true,
    };

    public Option<double> Timeout { get; } = new("--timeout")
    {
        Description = "Deadline of each call in seconds (not for import and watch)",
        Recursive = true,
        DefaultValueFactory = _ => 30,
    };
}

/// <summary>The command tree and the one place where exceptions become exit codes.</summary>
public static class CliApp
{
    public static RootCommand Build(TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        var root = new RootCommand("wjcredit: the operator's toolbox for WangJian.Credit (网剑 信用) over gRPC");
        var global = new GlobalOptions();
        root.Options.Add(global.Server);
        root.Options.Add(global.Token);
        root.Options.Add(global.TokenFile);
        root.Options.Add(global.As);
        root.Options.Add(global.Json);
        root.Options.Add(global.Timeout);

        Func<ParseResult, CancellationToken, Task<int>> Bind(Func<CommandContext, ParseResult, Task<int>> handler) =>
            (parse, token) => RunAsync(handler, global, parse, output, error, CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, token));

        root.Subcommands.Add(ImportCommand.Create(Bind));
        root.Subcommands.Add(StatusCommand.Create(Bind));
        root.Subcommands.Add(CheckCommand.Create(Bind));
        root.Subcommands.Add(BlacklistCommand.Create(Bind));
        root.Subcommands.Add(WatchCommand.Create(Bind));
        root.Subcommands.Add(HistoryCommand.Create(Bind));
        root.Subcommands.Add(ApprovalsCommand.Create(Bind));
        root.Subcommands.Add(AuditCommand.Create(Bind));
        root.Subcommands.Add(SellersCommand.Create(Bind));
        root.Subcommands.Add(WebhooksCommand.Create(Bind));
        root.Subcommands.Add(PolicyCommand.Create(Bind));
        return root;
    }

    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        var root = Build(output, error, cancellationToken);
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var e in parse.Errors)
            {
                await error.WriteLineAsync($"wjcredit: {e.Message}");
            }

            await error.WriteLineAsync("Run 'wjcredit --help' (or 'wjcredit COMMAND --help') for usage.");
            return ExitCodes.Usage;
        }

        var configuration = new InvocationConfiguration
        {
            Output = output,
            Error = error,
            EnableDefaultExceptionHandler = false,
            // Ctrl+C is turned into cancellationToken by Program.Main; the parser must not install its own.
            ProcessTerminationTimeout = null,
        };
        var code = await parse.InvokeAsync(configuration, cancellationToken);
        await output.FlushAsync(CancellationToken.None);
        return code;
    }

    private static async Task<int> RunAsync(
        Func<CommandContext, ParseResult, Task<int>> handler, GlobalOptions global, ParseResult parse, TextWriter output, TextWriter error, CancellationTokenSource linked)
    {
        using (linked)
        {
            try
            {
                var timeout = parse.GetValue(global.Timeout);
                if (!(timeout > 0) || double.IsInfinity(timeout))
                {
                    throw new UsageException($"--timeout must be a positive number of seconds, got {timeout.ToString(CultureInfo.InvariantCulture)}");
                }

                var settings = new ConnectionSettings(
                    parse.GetValue(global.Server) ?? Connection.DefaultServer,
                    parse.GetValue(global.Token),
                    parse.GetValue(global.TokenFile),
                    parse.GetValue(global.As),
                    TimeSpan.FromSeconds(timeout));
                var context = new CommandContext(new Output(output, error, parse.GetValue(global.Json)), settings, linked.Token);
                return await handler(context, parse);
            }
            catch (UsageException e)
            {
                await error.WriteLineAsync($"wjcredit: {e.Message}");
                return ExitCodes.Usage;
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.Cancelled && linked.IsCancellationRequested)
            {
                await error.WriteLineAsync("wjcredit: interrupted");
                return ExitCodes.Interrupted;
            }
            catch (RpcException e)
            {
                return Errors.Report(e, error);
            }
            catch (OperationCanceledException) when (linked.IsCancellationRequested)
            {
                await error.WriteLineAsync("wjcredit: interrupted");
                return ExitCodes.Interrupted;
            }
            catch (Exception e)
            {
                await error.WriteLineAsync($"wjcredit: unexpected error: {e}");
                return ExitCodes.Unexpected;
            }
        }
    }
}
