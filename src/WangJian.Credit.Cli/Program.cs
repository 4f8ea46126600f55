using System.Runtime.InteropServices;
using System.Text;

namespace WangJian.Credit.Cli;

/// <summary>The <c>wjcredit</c> entry point; <see cref="RunAsync"/> is the whole program, so tests can run it in-process.</summary>
public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        Console.OutputEncoding = Encoding.UTF8;
        using var interrupted = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            // The first Ctrl+C ends the command cleanly (watch exits 0); a second one kills the process.
            e.Cancel = !interrupted.IsCancellationRequested;
            interrupted.Cancel();
        };
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
        {
            context.Cancel = true;
            interrupted.Cancel();
        });
        return await RunAsync(args, Console.Out, Console.Error, interrupted.Token);
    }

    /// <summary>Parses <paramref name="args"/>, runs the command and returns its exit code (<see cref="ExitCodes"/>).</summary>
    public static Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        return CliApp.RunAsync(args, output, error, cancellationToken);
    }
}
