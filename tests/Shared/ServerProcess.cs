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

    private ServerProcess(Process process, string address, string httpAddress, string dataDir)
    {
        this.process = process;
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

        return new ServerProcess(process, await ready.Task, httpAddress, dataDir);
    }

    /// <summary>SIGKILL: no shutdown code runs, nothing is flushed.</summary>
    public async Task KillHardAsync()
    {
        process.Kill(entireProcessTree: true);
        await process.WaitForExitAsync();
    }

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
