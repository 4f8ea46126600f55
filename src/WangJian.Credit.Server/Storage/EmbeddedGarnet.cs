using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Garnet;
using Garnet.common;
using StackExchange.Redis;
using WangJian.Credit.Server.Options;

namespace WangJian.Credit.Server.Storage;

/// <summary>
/// Garnet in this process, so that one command runs the service on a bare machine. The AOF is committed
/// on every write (<c>--aof-commit-freq 0</c>) and replayed on start (<c>--recover</c>); the server answers a
/// write only after the log commit covering it (<see cref="DurableWrites"/>), so an acknowledged write survives
/// <c>kill -9</c>. A lock file keeps two servers off one data dir.
/// </summary>
/// <remarks>
/// Protected: Garnet asks for a password, random per data dir and kept owner-only in it
/// (<c>garnet/password</c>); the data dir and every file in it are owner-only (<see cref="PrivateDataDir"/>).
/// Bounded: Garnet checkpoints every <see cref="StorageOptions.CheckpointIntervalSeconds"/>, and this class asks
/// for one (<c>BGSAVE</c>) whenever the log since the last checkpoint passes its <see cref="CheckpointSchedule"/>;
/// a checkpoint truncates the log, whose files are small segments so the truncation frees space. Checked: the committed end of the log
/// is marked in a side file (<see cref="CommittedLog"/>), and a start whose log does not reach the last mark
/// refuses, unless <see cref="StorageOptions.AcceptDataLoss"/>.
/// </remarks>
public sealed class EmbeddedGarnet : IDisposable
{
    /// <summary>Log file size of a new data dir: the unit in which a checkpoint frees log space.</summary>
    private const long SegmentBytes = 32L << 20;

    private const string PasswordFile = "password";

    private readonly GarnetServer server;
    private readonly FileStream lockFile;
    private readonly CommittedLog committed;
    private readonly TimeProvider time;
    private readonly ILogger logger;
    private readonly Lock marking = new();
    private readonly string password;
    private readonly CheckpointSchedule schedule;
    private readonly string snapshotDir;
    private ITimer? markTimer;
    private bool disposed;

    /// <summary>The connection that asks for checkpoints (admin commands allowed), opened at the start.</summary>
    private readonly ConnectionMultiplexer admin;

    /// <summary>The log's begin address when a checkpoint was last asked for, until the checkpoint truncates it.</summary>
    private long requestedAtBegin = -1;

    private DateTimeOffset requestedAt;

    private int checkpointRequests;

    private EmbeddedGarnet(GarnetServer server, FileStream lockFile, CommittedLog committed, string password, int port, string dataDir, CheckpointSchedule schedule, TimeProvider time, ILogger logger)
    {
        this.server = server;
        this.schedule = schedule;
        snapshotDir = Path.Combine(dataDir, "garnet", "checkpoints", "Store", "checkpoints", "cpr-checkpoints");
        this.lockFile = lockFile;
        this.committed = committed;
        this.password = password;
        this.time = time;
        this.logger = logger;
        Port = port;
        DataDir = dataDir;
        admin = ConnectAdmin();
    }

    public int Port { get; }

    public string DataDir { get; }

    /// <summary>How many checkpoints this process has asked for: the start's and those by log size (the interval's are Garnet's own).</summary>
    public int CheckpointRequests => Volatile.Read(ref checkpointRequests);

    /// <summary>How long the start took: recovery of the last checkpoint and replay of the log after it.</summary>
    public TimeSpan Recovery { get; private init; }

    /// <summary>Where this store listens, with its password (never put in a log: ToString() leaves it out).</summary>
    public ConfigurationOptions ConnectionOptions()
    {
        var options = new ConfigurationOptions { EndPoints = { { IPAddress.Loopback, Port } }, Password = password, AbortOnConnectFail = false };
        return options;
    }

    /// <summary>Completes when the AOF is committed up to its tail at the time of the call (see DurableWrites).</summary>
    public ValueTask<bool> WaitForCommitAsync(CancellationToken cancellationToken) => server.Store.WaitForCommitAsync(cancellationToken);

    public static EmbeddedGarnet Start(StorageOptions options, ILoggerFactory loggerFactory, TimeProvider? timeProvider = null)
    {
        var time = timeProvider ?? TimeProvider.System;
        var logger = loggerFactory.CreateLogger("WangJian.Credit.Server.Storage");
        var dataDir = PrivateDataDir.Prepare(options.DataDir);
        var storeDir = Path.Combine(dataDir, "garnet");
        Directory.CreateDirectory(storeDir);
        var checkpointDir = Path.Combine(storeDir, "checkpoints");

        FileStream lockFile;
        try
        {
            lockFile = new FileStream(Path.Combine(dataDir, ".lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException e)
        {
            throw new InvalidOperationException($"data directory {dataDir} is in use by another server process ({e.Message})", e);
        }

        GarnetServer? server = null;
        try
        {
            var passwordFile = Path.Combine(storeDir, PasswordFile);
            var committed = CommittedLog.Open(storeDir, Path.Combine(checkpointDir, "AOF"), SegmentBytes, hasPassword: File.Exists(passwordFile));
            var cut = committed.CheckFiles();
            Accept(cut, options, logger);

            var password = LoadOrCreatePassword(passwordFile);
            var port = FreeLoopbackPort();
            var args = new List<string>
            {
                "--bind", "127.0.0.1",
                "--port", port.ToString(CultureInfo.InvariantCulture),
                // Any local user can reach a loopback port: every connection must AUTH first.
                "--auth", "Password", "--password", password,
                // The native device needs libaio; RandomAccess is plain .NET file I/O.
                "--storage-tier", "--device-type", "RandomAccess",
                "--logdir", Path.Combine(storeDir, "log"),
                "--checkpointdir", checkpointDir,
                // Commit the AOF on every write. A store reply can still overtake its commit (kill -9 at that
                // moment lost an acknowledged write in CrashRecoveryTests), so the API answers a write only after
                // WaitForCommitAsync (DurableWrites); --aof-commit-wait would do it per command, blocking the
                // connection's session thread for each commit. A killed process's written file data survives in the OS.
                "--aof", "--aof-commit-freq", "0", "--recover",
                "--aof-segment-size", committed.SegmentBytes.ToString(CultureInfo.InvariantCulture),
                // A checkpoint (the store's log, then the AOF truncated to it) at the interval, and by log size when
                // this class asks (Tick, CheckpointSchedule: not Garnet's --aof-size-limit, which is one fixed size
                // whatever the store's): the data dir stays near the size of the live data and a start replays at
                // most that much log. Checkpoints do not touch the commit barrier: the log stays one sequence,
                // truncated only below what a checkpoint holds.
                "--checkpoint-freq", options.CheckpointIntervalSeconds.ToString(CultureInfo.InvariantCulture),
                // Orleans' Redis storage and our own indexes run Lua scripts, each as one transaction: without it
                // Garnet logs a script's commands one by one, and kill -9 between two of them left a sequence number
                // assigned but its change not stored, a hole at which the change feed stopped for good.
                "--lua", "--lua-transaction-mode",
                "--memory", "1g",
                // Every checkpoint writes the whole hash index: 16 MB holds ~1.8 million keys before Garnet
                // chains overflow buckets.
                "--index", "16m",
            };
            if (!options.AcceptDataLoss)
            {
                // A checkpoint or log that cannot be read stops the start instead of starting without it.
                args.Add("--fail-on-recovery-error");
            }

            var recovery = System.Diagnostics.Stopwatch.StartNew();
            try
            {
                server = new GarnetServer([.. args], loggerFactory, cleanupDir: false);
                server.Start();
            }
            catch (Exception e) when (e is not InvalidOperationException)
            {
                throw new InvalidOperationException(
                    $"the embedded store in {storeDir} did not start: {e.Message.ReplaceLineEndings(" ")} " +
                    "(if its checkpoint or log cannot be read, Storage:AcceptDataLoss true starts without what cannot be read)", e);
            }

            if (cut is null)
            {
                // Garnet's reported tail can lag the recovered log for a moment after Start (seen once in CI
                // after a kill -9: 64, the log's start, then the full length): only a tail that stays short
                // is a torn or corrupt log.
                var shortfall = committed.CheckRecovered(Persistence(server, "TailAddress"));
                for (var i = 0; shortfall is not null && i < 30; i++)
                {
                    Thread.Sleep(100);
                    shortfall = committed.CheckRecovered(Persistence(server, "TailAddress"));
                }

                Accept(shortfall, options, logger);
            }

            var schedule = new CheckpointSchedule((long)options.LogSizeLimitMb << 20, options.LogGrowthPercent);
            var garnet = new EmbeddedGarnet(server, lockFile, committed, password, port, dataDir, schedule, time, logger) { Recovery = recovery.Elapsed };
            garnet.Mark();
            garnet.FirstCheckpoint();
            garnet.markTimer = time.CreateTimer(_ => garnet.Tick(), null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
            return garnet;
        }
        catch
        {
            server?.Dispose();
            lockFile.Dispose();
            throw;
        }
    }

    /// <summary>A clean stop: the log committed to its end, that end marked, then Garnet disposed.</summary>
    public void Dispose()
    {
        lock (marking)
        {
            if (disposed)
            {
                return;
            }

            disposed = true;
        }

        markTimer?.Dispose();
        admin.Dispose();

        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            server.Store.CommitAOFAsync(timeout.Token).AsTask().Wait(timeout.Token);
            server.Store.WaitForCommitAsync(timeout.Token).AsTask().Wait(timeout.Token);
            lock (marking)
            {
                committed.Record(Persistence(server, "CommittedUntilAddress"), time.GetUtcNow());
            }
        }
        catch (Exception e) when (e is OperationCanceledException or AggregateException or IOException)
        {
            logger.LogWarning("The embedded store's log could not be committed and marked at stop: {Error}", e.Message);
        }

        server.Dispose();
        lockFile.Dispose();
    }

    private static void Accept(LogShortfall? shortfall, StorageOptions options, ILogger logger)
    {
        if (shortfall is null)
        {
            return;
        }

        if (!options.AcceptDataLoss)
        {
            throw new InvalidOperationException(
                $"the embedded store's log is incomplete: {shortfall.Describe()}. Restore the log from a backup, or set Storage:AcceptDataLoss true to start without the lost writes");
        }

        logger.LogError("Storage:AcceptDataLoss: starting with an incomplete log, dropped: {Shortfall}", shortfall.Describe());
    }

    private void Mark()
    {
        lock (marking)
        {
            if (!disposed)
            {
                committed.Record(Persistence(server, "CommittedUntilAddress"), time.GetUtcNow());
            }
        }
    }

    /// <summary>Every second: the committed end marked, and a checkpoint asked for when the log is due one.</summary>
    private void Tick()
    {
        MarkQuietly();
        CheckpointIfDue();
    }

    /// <summary>
    /// Asks Garnet for a checkpoint when the log since the last one passes the schedule: the last checkpoint's
    /// size is its snapshot's on disk (none found: the size limit alone). One request at a time: the next only
    /// once the checkpoint has truncated the log, or a minute later.
    /// </summary>
    private void CheckpointIfDue()
    {
        try
        {
            var log = PersistenceInfo(server);
            var begin = log["BeginAddress"];
            var now = time.GetUtcNow();
            lock (marking)
            {
                if (disposed || (begin == requestedAtBegin && now - requestedAt < TimeSpan.FromMinutes(1)))
                {
                    return;
                }
            }

            var logBytes = log["TailAddress"] - begin;
            var snapshotBytes = LastSnapshotBytes();
            if (!schedule.Due(logBytes, snapshotBytes))
            {
                return;
            }

            lock (marking)
            {
                requestedAtBegin = begin;
                requestedAt = now;
            }

            Interlocked.Increment(ref checkpointRequests);
            _ = RequestCheckpointAsync(logBytes, schedule.ThresholdBytes(snapshotBytes));
        }
        catch (Exception e)
        {
            // A timer callback that throws would end the process (a checkpoint directory removed while it was read,
            // the store stopping): the interval checkpoint still runs, and the next tick looks again.
            logger.LogWarning("Could not tell whether the embedded store is due a checkpoint: {Error}", e.Message);
        }
    }

    private async Task RequestCheckpointAsync(long logBytes, long thresholdBytes)
    {
        try
        {
            await admin.GetServer(IPAddress.Loopback, Port).SaveAsync(SaveType.BackgroundSave);
            logger.LogInformation(
                "Embedded store checkpoint: {LogMb} MB of log since the last, over {ThresholdMb} MB", logBytes >> 20, thresholdBytes >> 20);
        }
        catch (RedisServerException e) when (e.Message.Contains("progress", StringComparison.OrdinalIgnoreCase))
        {
            // Another checkpoint is running (the interval's, the start's): it may not cover this log, so the next tick
            // looks again instead of waiting for a truncation that may not come.
            lock (marking)
            {
                requestedAtBegin = -1;
            }

            logger.LogInformation("Embedded store checkpoint already running: {Reply}", e.Message);
        }
        catch (Exception e) when (e is RedisException or TimeoutException or ObjectDisposedException)
        {
            // Not fatal: the interval checkpoint still runs, and the next tick a minute on asks again.
            logger.LogWarning("The embedded store did not start a checkpoint: {Error}", e.Message);
        }
    }

    /// <summary>
    /// A checkpoint at the start, before any load. A process's first checkpoint is a full one (the hash index and the
    /// log); asked for by <c>BGSAVE</c> under a write load it stalled the thread pool for ~2 s in 7 of 26 benchmark
    /// runs, in 0 of 10 once taken here (Garnet's own size-limit task, which started it from outside a client session,
    /// never did: benchmarks/README.md). It also folds the log just replayed into a checkpoint.
    /// </summary>
    private void FirstCheckpoint()
    {
        try
        {
            admin.GetServer(IPAddress.Loopback, Port).Save(SaveType.BackgroundSave);
            Interlocked.Increment(ref checkpointRequests);
        }
        catch (RedisException e)
        {
            logger.LogWarning("The embedded store did not start its first checkpoint: {Error}", e.Message);
        }
    }

    /// <summary>The connection that asks for checkpoints (admin commands allowed).</summary>
    private ConnectionMultiplexer ConnectAdmin()
    {
        var options = ConnectionOptions();
        options.AllowAdmin = true;
        options.ClientName = "wj-checkpoints";
        return ConnectionMultiplexer.Connect(options);
    }

    /// <summary>Bytes of the newest checkpoint's snapshot (what the next checkpoint rewrites); 0 when there is none.</summary>
    private long LastSnapshotBytes()
    {
        if (!Directory.Exists(snapshotDir))
        {
            return 0;
        }

        var newest = new DirectoryInfo(snapshotDir).EnumerateDirectories().MaxBy(d => d.LastWriteTimeUtc);
        return newest?.EnumerateFiles().Sum(f => f.Length) ?? 0;
    }

    private void MarkQuietly()
    {
        try
        {
            Mark();
        }
        catch (Exception e)
        {
            // A timer callback that throws would end the process; a missed mark only weakens the next start's check.
            logger.LogWarning("Could not mark the committed end of the embedded store's log: {Error}", e.Message);
        }
    }

    /// <summary>A log address from Garnet's INFO persistence section (in-process, no connection).</summary>
    private static long Persistence(GarnetServer server, string name) => PersistenceInfo(server)[name];

    /// <summary>Every log address of Garnet's INFO persistence section, read once (in-process, no connection).</summary>
    private static Dictionary<string, long> PersistenceInfo(GarnetServer server)
    {
        var addresses = new Dictionary<string, long>();
        foreach (var item in server.Metrics.GetInfoMetrics(InfoMetricsType.PERSISTENCE, 0))
        {
            if (long.TryParse(item.Value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var address))
            {
                addresses.TryAdd(item.Name, address);
            }
        }

        return addresses;
    }

    private static string LoadOrCreatePassword(string path)
    {
        if (File.Exists(path))
        {
            var existing = File.ReadAllText(path).Trim();
            return existing.Length >= 32 ? existing : throw new InvalidOperationException($"{path} does not hold a store password (delete it to generate one)");
        }

        var password = Convert.ToHexString(RandomNumberGenerator.GetBytes(32));
        var fileOptions = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            fileOptions.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var f = new FileStream(path, fileOptions))
        using (var w = new StreamWriter(f))
        {
            w.Write(password);
            w.Flush();
            f.Flush(flushToDisk: true);
        }

        return password;
    }

    private static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
