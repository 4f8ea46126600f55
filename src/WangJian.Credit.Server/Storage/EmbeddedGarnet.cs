using System.Net;
using System.Net.Sockets;
using Garnet;

namespace WangJian.Credit.Server.Storage;

/// <summary>
/// Garnet in this process, so that one command runs the service on a bare machine. The AOF is committed
/// on every write (<c>--aof-commit-freq 0</c>) and replayed on start (<c>--recover</c>); the server answers a
/// write only after the log commit covering it (<see cref="DurableWrites"/>), so an acknowledged write survives
/// <c>kill -9</c>. A lock file keeps two servers off one data dir.
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

    /// <summary>Completes when the AOF is committed up to its tail at the time of the call (see DurableWrites).</summary>
    public ValueTask<bool> WaitForCommitAsync(CancellationToken cancellationToken) => server.Store.WaitForCommitAsync(cancellationToken);

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
            // Commit the AOF on every write. A store reply can still overtake its commit (kill -9 at that
            // moment lost an acknowledged write in CrashRecoveryTests), so the API answers a write only after
            // WaitForCommitAsync (DurableWrites); --aof-commit-wait would do it per command, blocking the
            // connection's session thread for each commit. A killed process's written file data survives in the OS.
            "--aof", "--aof-commit-freq", "0", "--recover",
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
