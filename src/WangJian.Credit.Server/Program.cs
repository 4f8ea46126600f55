using WangJian.Credit.Domain;
using WangJian.Credit.Server;
using WangJian.Credit.Server.Http;
using WangJian.Credit.Server.Options;
using WangJian.Credit.Server.Startup;

try
{
    var app = await ServerHost.BuildAsync(args);
    try
    {
        await app.StartAsync();
    }
    catch (IOException e) when (e.InnerException is Microsoft.AspNetCore.Connections.AddressInUseException || e.Message.Contains("address already in use", StringComparison.OrdinalIgnoreCase))
    {
        // Checked before the start too; this covers a host name in Urls or a port taken in between.
        throw new StartupException(e.Message.Split('\n')[0].TrimEnd('.'), "Urls, Http:Urls", e);
    }

    // Plain lines that scripts and tests can wait for: the gRPC addresses first, then REST/JSON.
    var listeners = app.Services.GetRequiredService<Listeners>();
    Console.WriteLine($"WangJian.Credit REST/JSON on {string.Join(", ", listeners.HttpUrls)} (OpenAPI {JsonApi.DocumentPath}, reference /{JsonApi.DocsPath})");
    Console.WriteLine($"WangJian.Credit listening on {string.Join(", ", listeners.GrpcUrls)}");
    await app.WaitForShutdownAsync();
    return 0;
}
catch (Microsoft.Extensions.Options.OptionsValidationException e)
{
    // An option group's validator (at composition or ValidateOnStart): its failures, each naming its setting.
    Console.Error.WriteLine($"wangjian-credit: cannot start: {ValidatedOptions.OneLine(e)}");
    return 2;
}
catch (Exception e) when (e is StartupException or PolicyException or InvalidOperationException)
{
    // One line and exit 2 for every configuration or environment error: no stack trace to read through.
    Console.Error.WriteLine($"wangjian-credit: cannot start: {e.Message}");
    return 2;
}
catch (Exception e)
{
    // Not foreseen by a check above: still one line, with the type, so that it can be searched for.
    Console.Error.WriteLine($"wangjian-credit: cannot start: {e.GetType().Name}: {e.Message.Split('\n')[0]}");
    return 2;
}
