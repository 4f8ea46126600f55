using System.Net;
using System.Net.Sockets;

namespace WangJian.Credit.Cli.Tests;

[Collection(CliServerCollection.Name)]
public sealed class ExitCodeTests(CliServerFixture server)
{
    [Fact]
    public async Task Status_InvalidUscc_ExitsThreeAndPrintsTheFieldViolation()
    {
        var result = await server.RunAsync(null, "status", "91330106673959654Q");

        Assert.Equal(ExitCodes.InvalidArgument, result.ExitCode);
        Assert.Contains("INVALID_ARGUMENT", result.Err, StringComparison.Ordinal);
        Assert.Contains("operator_id: USCC check character", result.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_UnknownMatter_ExitsThree()
    {
        var result = await server.RunAsync(null, "check", "91330106673959654P", "--matter", "PARKING_PERMIT");

        Assert.Equal(ExitCodes.InvalidArgument, result.ExitCode);
        Assert.Contains("matter", result.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Status_WrongToken_ExitsFour()
    {
        var result = await Cli.RunAsync("--server", server.Address, "--token", "not-a-token", "status", "91330106673959654P");

        Assert.Equal(ExitCodes.Denied, result.ExitCode);
        Assert.Contains("UNAUTHENTICATED", result.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Import_AsPlatform_ExitsFour()
    {
        var result = await server.RunAsync("platform", "import", server.SampleCopy);

        Assert.Equal(ExitCodes.Denied, result.ExitCode);
        Assert.Contains("PERMISSION_DENIED", result.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Status_UnknownRoleInTokenFile_ExitsTwoListingTheRoles()
    {
        var result = await server.RunAsync("inspector", "status", "91330106673959654P");

        Assert.Equal(ExitCodes.Usage, result.ExitCode);
        Assert.Contains("agency:NDRC", result.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Status_ServerNotRunning_ExitsSix()
    {
        var result = await Cli.RunAsync("--server", $"http://127.0.0.1:{UnusedPort()}", "--token", "x", "status", "91330106673959654P");

        Assert.Equal(ExitCodes.Unavailable, result.ExitCode);
        Assert.Contains("UNAVAILABLE", result.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Import_ServerNotRunning_ExitsSix()
    {
        var result = await Cli.RunAsync("--server", $"http://127.0.0.1:{UnusedPort()}", "--token", "x", "import", CliServerFixture.SamplePath, "--rejected-out", Path.Combine(server.WorkDir, "unused.csv"));

        Assert.Equal(ExitCodes.Unavailable, result.ExitCode);
    }

    [Theory]
    [InlineData("status")]
    [InlineData("status", "91330106673959654P", "--bogus")]
    [InlineData("check", "91330106673959654P")]
    [InlineData("blacklist", "--page-size", "many")]
    [InlineData("frobnicate")]
    [InlineData()]
    public async Task BadArguments_ExitTwo(params string[] args)
    {
        var result = await Cli.RunAsync(args);

        Assert.True(result.ExitCode == ExitCodes.Usage, result.ToString());
        Assert.StartsWith("wjcredit: ", result.Err, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--server", "not a url", "status", "91330106673959654P")]
    [InlineData("status", "91330106673959654P", "--as-of", "yesterday")]
    [InlineData("--timeout", "0", "status", "91330106673959654P")]
    public async Task BadValues_ExitTwo(params string[] args)
    {
        var result = await Cli.RunAsync(["--token", "x", .. args]);

        Assert.True(result.ExitCode == ExitCodes.Usage, result.ToString());
    }

    [Fact]
    public async Task Help_ExitsZero()
    {
        var result = await Cli.RunAsync("--help");

        Assert.Equal(ExitCodes.Ok, result.ExitCode);
        Assert.Contains("import", result.Out, StringComparison.Ordinal);
        Assert.Contains("watch", result.Out, StringComparison.Ordinal);
    }

    private static int UnusedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
