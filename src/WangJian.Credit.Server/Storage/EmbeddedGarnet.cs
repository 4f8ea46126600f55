using System.Net;
using System.Net.Sockets;
using Garnet;

namespace WangJian.Credit.Server.Storage;

/// <summary>
/// Garnet in this process, so that one command runs the service on a bare machine. AOF is committed
/// on every write before the reply (<c>--aof-commit-freq 0 --aof-commit-wait</c>) and replayed on start (<c>--recover</c>): a write the
/// server acknowledged survives <c>kill -9</c>. A lock file keeps two servers off one data dir.
/// </summary>
public sealed class EmbeddedGarnet : IDisposable
{
    private readonly GarnetServer server;
    private readonly FileStream lockFile;

    private EmbeddedGarnet(GarnetServer server, FileStream lockFile, int port, string dataDir)
    {
        this.server = server;
        this.lockFile = lockFile;
        Port = port;
        DataDir = dataDir;
    }

    public int Port { get; }

    public string DataDir { get; }

    public string ConnectionString => $"127.0.0.1:{Port},abortConnect=false";

    public static EmbeddedGarnet Start(string dataDir, ILoggerFactory loggerFactory)
    {
        dataDir = Path.GetFullPath(dataDir);
        var storeDir = Path.Combine(dataDir, "garnet");
        Directory.CreateDirectory(storeDir);

        FileStream lockFile;
        try
        {
            lockFile = new FileStream(Path.Combine(dataDir, ".lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException e)
        {
            throw new InvalidOperationException($"data directory {dataDir} is in use by another server process ({e.Message})", e);
        }

        var port = FreeLoopbackPort();
        string[] args =
        [
            "--bind", "127.0.0.1",
            "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            // The native device needs libaio; RandomAccess is plain .NET file I/O.
            "--storage-tier", "--device-type", "RandomAccess",
            "--logdir", Path.Combine(storeDir, "log"),
            "--checkpointdir", Path.Combine(storeDir, "checkpoints"),
            // Commit the AOF on every write AND answer only after the commit: without --aof-commit-wait a
            // reply can overtake its log write, and kill -9 at that moment loses an acknowledged write
            // (seen in CrashRecoveryTests). A killed process's written file data survives in the OS.
            "--aof", "--aof-commit-freq", "0", "--aof-commit-wait", "--recover",
            // Orleans' Redis storage and our own indexes run Lua scripts.
            "--lua",
            "--memory", "1g",
            "--index", "64m",
        ];

        GarnetServer server;
        try
        {
            server = new GarnetServer(args, loggerFactory, cleanupDir: false);
            server.Start();
        }
        catch
        {
            lockFile.Dispose();
            throw;
        }

        return new EmbeddedGarnet(server, lockFile, port, dataDir);
    }

    public void Dispose()
    {
        server.Dispose();
        lockFile.Dispose();
    }

    private static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
