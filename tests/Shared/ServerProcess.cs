using Grpc.Core.Interceptors;
using System.Diagnostics;
using System.Text.Json;
using Grpc.Core;
using Grpc.Net.Client;

namespace WangJian.Credit.Testing;

/// <summary>
/// The server as its own OS process (the same build the README runs), so a test can kill it with
/// SIGKILL and start it again on the same data directory. Shared by the test projects (linked).
/// </summary>
public sealed class ServerProcess : IAsyncDisposable
{
    private readonly Process process;
    private readonly System.Collections.Concurrent.ConcurrentQueue<string> output;

    private ServerProcess(Process process, System.Collections.Concurrent.ConcurrentQueue<string> output, string address, string httpAddress, string dataDir)
    {
        this.process = process;
        this.output = output;
        Address = address;
        HttpAddress = httpAddress;
        DataDir = dataDir;
        Channel = GrpcChannel.ForAddress(address);
    }

    public string Address { get; }

    /// <summary>The REST/JSON (HTTP/1.1) address, Http:Urls.</summary>
    public string HttpAddress { get; }

    public string DataDir { get; }

    public GrpcChannel Channel { get; }

    /// <summary>Every line the server wrote so far, stdout and stderr.</summary>
    public IReadOnlyList<string> Output => [.. output];

    public CallInvoker As(string tokenKey)
    {
        var tokens = JsonSerializer.Deserialize<Dictionary<string, string>>(File.ReadAllText(Path.Combine(DataDir, "dev-tokens.json")))!;
        return Channel.Intercept(m =>
        {
            m.Add("authorization", $"Bearer {tokens[tokenKey]}");
            return m;
        });
    }

    /// <summary>Calls with a given bearer token (servers on Redis have configured principals, no dev tokens).</summary>
    public CallInvoker WithToken(string token) => Channel.Intercept(m =>
    {
        m.Add("authorization", $"Bearer {token}");
        return m;
    });

    public static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "WangJian.Credit.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("repository root (WangJian.Credit.sln) not found above " + AppContext.BaseDirectory);
    }

    public static string ServerDll()
    {
        var dir = new DirectoryInfo(RepositoryRoot());

        var configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";
        var dll = Path.Combine(dir.FullName, "src", "WangJian.Credit.Server", "bin", configuration, "net10.0", "WangJian.Credit.Server.dll");
        return File.Exists(dll) ? dll : throw new FileNotFoundException("build the server first", dll);
    }

    public static async Task<ServerProcess> StartAsync(string dataDir, params string[] extraArgs)
    {
        var dll = ServerDll();
        var psi = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = Path.GetDirectoryName(dll)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        // Test servers run side by side: no shared default metrics port unless a test asks for one.
        var defaults = new List<string> { dll, "--urls", "http://127.0.0.1:0", "--Http:Urls", "http://127.0.0.1:0", "--Storage:DataDir", dataDir, "--Orleans:SiloPort", "0" };
        if (!extraArgs.Any(a => a.StartsWith("--Observability:MetricsUrl", StringComparison.Ordinal)))
        {
            defaults.Add("--Observability:MetricsUrl=");
        }

        foreach (var a in defaults.Concat(extraArgs))
        {
            psi.ArgumentList.Add(a);
        }

        var process = Process.Start(psi) ?? throw new InvalidOperationException("could not start the server");
        var ready = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var httpAddress = "";
        var output = new System.Collections.Concurrent.ConcurrentQueue<string>();
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                ready.TrySetException(new InvalidOperationException("server exited: " + string.Join("\n", output)));
                return;
            }

            output.Enqueue(e.Data);
            const string httpMarker = "WangJian.Credit REST/JSON on ";
            if (e.Data.StartsWith(httpMarker, StringComparison.Ordinal))
            {
                // Printed before the gRPC line.
                httpAddress = e.Data[httpMarker.Length..].Split([',', ' '])[0].Trim();
            }

            const string marker = "WangJian.Credit listening on ";
            if (e.Data.StartsWith(marker, StringComparison.Ordinal))
            {
                ready.TrySetResult(e.Data[marker.Length..].Split(',')[0].Trim());
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                output.Enqueue(e.Data);
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        var finished = await Task.WhenAny(ready.Task, Task.Delay(TimeSpan.FromSeconds(90)));
        if (finished != ready.Task)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("server did not start in 90 s: " + string.Join("\n", output));
        }

        return new ServerProcess(process, output, await ready.Task, httpAddress, dataDir);
    }

    /// <summary>Starts the server and waits for it to exit on its own (a refused start): exit code and output.</summary>
    public static async Task<(int ExitCode, string Output)> RunUntilExitAsync(string dataDir, params string[] extraArgs)
    {
        var (code, stdout, stderr) = await RunToExitAsync(["--urls", "http://127.0.0.1:0", "--Storage:DataDir", dataDir, "--Orleans:SiloPort", "0", .. extraArgs]);
        return (code, stdout + stderr);
    }

    /// <summary>SIGTERM: a clean stop (the host's shutdown runs), waits for the exit.</summary>
    public async Task StopAsync()
    {
        using (var kill = Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
    }

    /// <summary>
    /// Runs the server with exactly these arguments (plus no metrics port) until it exits by itself, for
    /// start-up refusals: its exit code and what it wrote to each stream.
    /// </summary>
    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunToExitAsync(params string[] args)
    {
        var dll = ServerDll();
        var psi = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = Path.GetDirectoryName(dll)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add(dll);
        var metrics = args.Any(a => a.StartsWith("--Observability:MetricsUrl", StringComparison.Ordinal)) ? [] : new[] { "--Observability:MetricsUrl=" };
        var http = args.Contains("--Http:Urls") ? [] : new[] { "--Http:Urls", "http://127.0.0.1:0" };
        foreach (var a in args.Concat(metrics).Concat(http))
        {
            psi.ArgumentList.Add(a);
        }

        using var process = Process.Start(psi) ?? throw new InvalidOperationException("could not start the server");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("the server did not exit within 90 s: " + await stdout);
        }

        return (process.ExitCode, await stdout, await stderr);
    }

    /// <summary>SIGKILL: no shutdown code runs, nothing is flushed.</summary>
    public async Task KillHardAsync()
    {
        process.Kill(entireProcessTree: true);
        await process.WaitForExitAsync();
    }

    /// <summary>SIGSTOP / SIGCONT: the process stops answering without closing anything, as in a long pause.</summary>
    public void Signal(string signal)
    {
        using var kill = Process.Start("kill", ["-" + signal, process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
    }

    /// <summary>Whether the process is still running.</summary>
    public bool HasExited => process.HasExited;

    public async ValueTask DisposeAsync()
    {
        Channel.Dispose();
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }

        process.Dispose();
    }
}
