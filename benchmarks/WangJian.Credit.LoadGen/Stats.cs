using System.Globalization;

namespace WangJian.Credit.LoadGen;

/// <summary>Latency percentiles (nearest rank) in milliseconds.</summary>
public static class Stats
{
    public static double Percentile(IReadOnlyList<double> sorted, double p) =>
        sorted.Count == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(p / 100 * sorted.Count) - 1, 0, sorted.Count - 1)];

    public static string Summary(List<double> latenciesMs)
    {
        latenciesMs.Sort();
        return string.Create(CultureInfo.InvariantCulture, $"p50={Percentile(latenciesMs, 50):F2}ms p99={Percentile(latenciesMs, 99):F2}ms max={(latenciesMs.Count > 0 ? latenciesMs[^1] : double.NaN):F2}ms");
    }

    /// <summary>VmRSS of a process in bytes, from /proc (Linux).</summary>
    public static long Rss(int pid)
    {
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                var kb = line["VmRSS:".Length..].Trim().Split(' ')[0];
                return long.Parse(kb, CultureInfo.InvariantCulture) * 1024;
            }
        }

        throw new InvalidOperationException($"no VmRSS in /proc/{pid}/status");
    }

    public static string Mib(long bytes) => (bytes / 1024.0 / 1024.0).ToString("F0", CultureInfo.InvariantCulture) + " MiB";

    public static string F(double value, string format = "F0") => value.ToString(format, CultureInfo.InvariantCulture);
}
