namespace WangJian.Credit.Cli.Tests;

/// <summary>
/// One real server process on a fresh data directory, with samples/violations.csv imported once through
/// the CLI (with --json, so the counts can be checked exactly). Tests call wjcredit in-process against it.
/// </summary>
public sealed class CliServerFixture : IAsyncLifetime
{
    private ServerProcess? server;

    public string WorkDir { get; } = Path.Combine(Path.GetTempPath(), "wj-cli-tests", Guid.NewGuid().ToString("N"));

    public string Address => server!.Address;

    public string TokenFile => Path.Combine(WorkDir, "data", "dev-tokens.json");

    /// <summary>The copy of samples/violations.csv that was imported (its rejected rows land beside it).</summary>
    public string SampleCopy => Path.Combine(WorkDir, "violations.csv");

    public CliResult Import { get; private set; } = null!;

    public static string SamplePath => Path.Combine(ServerProcess.RepositoryRoot(), "samples", "violations.csv");

    /// <summary>Runs wjcredit against this server with the token file; <paramref name="role"/> picks the token.</summary>
    public Task<CliResult> RunAsync(string? role, params string[] args)
    {
        string[] connection = role is null
            ? ["--server", Address, "--token-file", TokenFile]
            : ["--server", Address, "--token-file", TokenFile, "--as", role];
        return Cli.RunAsync([.. connection, .. args]);
    }

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(WorkDir);
        File.Copy(SamplePath, SampleCopy);
        // No Prometheus listener: its fixed default port would collide with other test servers on the machine.
        server = await ServerProcess.StartAsync(Path.Combine(WorkDir, "data"), "--Logging:LogLevel:Default", "Warning", "--Observability:MetricsUrl=", "--Webhooks:AllowLoopback", "true");
        Import = await RunAsync(null, "import", SampleCopy, "--json");
    }

    public async Task DisposeAsync()
    {
        if (server is not null)
        {
            await server.DisposeAsync();
        }

        try
        {
            Directory.Delete(WorkDir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

[CollectionDefinition(Name)]
public sealed class CliServerCollection : ICollectionFixture<CliServerFixture>
{
    public const string Name = "cli-server";
}
