namespace WangJian.Credit.Server.Storage;

/// <summary>
/// When the embedded store takes a checkpoint by log size: once the log since the last checkpoint passes the
/// larger of a floor and a share of that checkpoint's own size (as Redis rewrites its AOF at
/// <c>auto-aof-rewrite-min-size</c> and <c>auto-aof-rewrite-percentage</c>).
/// </summary>
/// <remarks>
/// A checkpoint rewrites the store's in-memory log whole (up to ~90 % of its memory, 1 GB), whatever changed since
/// the last one. At a fixed limit a store much larger than the limit is rewritten whole for every limit's worth of
/// log: at 500 MB of check log and a 64 MB limit, eight bytes written for each byte logged, and a checkpoint every
/// few seconds of a check load (docs/architecture.md D24). Relative to the checkpoint's size, a byte logged costs at
/// most <c>100 / GrowthPercent</c> bytes of checkpoint, and the data dir stays within the live data, one
/// checkpoint and <c>GrowthPercent</c> % of it.
/// </remarks>
public sealed record CheckpointSchedule(long FloorBytes, int GrowthPercent)
{
    /// <summary>How much log since the last checkpoint makes the next one due.</summary>
    public long ThresholdBytes(long lastCheckpointBytes)
    {
        var share = lastCheckpointBytes * (GrowthPercent / 100.0);
        return share >= long.MaxValue ? long.MaxValue : Math.Max(FloorBytes, (long)share);
    }

    /// <summary>Whether <paramref name="logBytes"/> of log since a checkpoint of <paramref name="lastCheckpointBytes"/> calls for the next.</summary>
    public bool Due(long logBytes, long lastCheckpointBytes) => logBytes > ThresholdBytes(lastCheckpointBytes);
}
