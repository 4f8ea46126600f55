using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace WangJian.Credit.Server.Tests.Fixtures;

/// <summary>
/// A real redis-server (Debian's; scripts/test-all.sh installs it) on a free loopback port with AOF,
/// which a test can stop and start again on the same port and data.
/// </summary>
public sealed class RedisProcess : IAsyncDisposable
{
    private Process? process;

    public RedisProcess()
    {
        Directory.CreateDirectory(DataDir);
    }

    /// <summary>Given: redis-server requires it (<c>--requirepass</c>); <see cref="ConnectionString"/> stays without it.</summary>
    public string? Password { get; init; }

    public int Port { get; } = FreePort();

    public string DataDir { get; } = Path.Combine(Path.GetTempPath(), "wj-credit-redis", Guid.NewGuid().ToString("N"));

    public string ConnectionString => $"127.0.0.1:{Port}";

    public static string Binary =>
        new[] { "/usr/bin/redis-server", "/usr/local/bin/redis-server" }.FirstOrDefault(File.Exists)
        ?? throw new InvalidOperationException("redis-server is not installed: run scripts/test-all.sh (it installs Debian's redis-server) or apt-get install -y redis-server");

    public async Task StartAsync()
    {
        var psi = new ProcessStartInfo(Binary)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        var args = new List<string> { "--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--dir", DataDir, "--appendonly", "yes", "--appendfsync", "always", "--save", "", "--protected-mode", "no" };
        if (Password is not null)
        {
            args.AddRange(["--requirepass", Password]);
        }

        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        process = Process.Start(psi)!;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        for (var i = 0; i < 100; i++)
        {
            try
            {
                using var c = new TcpClient();
                await c.ConnectAsync(IPAddress.Loopback, Port);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(50);
            }
        }

        throw new TimeoutException("redis-server did not start");
    }

    /// <summary>SIGSTOP: the store keeps its connections open but answers nothing, as a frozen host does.</summary>
    public void Freeze() => Signal("STOP");

    /// <summary>SIGCONT after <see cref="Freeze"/>.</summary>
    public void Thaw() => Signal("CONT");

    private void Signal(string signal)
    {
        using var kill = Process.Start("kill", ["-" + signal, process!.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
    }

    /// <summary>SIGKILL: the store vanishes as in a crash or a network cut.</summary>
    public async Task StopAsync()
    {
        if (process is { HasExited: false })
        {
            process.Kill();
            await process.WaitForExitAsync();
        }

        process?.Dispose();
        process = null;
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        try
        {
            Directory.Delete(DataDir, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }
}
