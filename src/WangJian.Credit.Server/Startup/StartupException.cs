namespace WangJian.Credit.Server.Startup;

/// <summary>
/// A configuration or environment error found before the server serves anything. Program.cs prints it as
/// one line, <c>cannot start: &lt;what&gt; (&lt;setting&gt;)</c>, and exits 2.
/// </summary>
public sealed class StartupException(string what, string setting, Exception? inner = null)
    : Exception($"{what} ({setting})", inner)
{
    /// <summary>The setting to look at, e.g. <c>Storage:Redis</c>.</summary>
    public string Setting { get; } = setting;
}
