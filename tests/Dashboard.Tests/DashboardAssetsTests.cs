using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace AgentJobSync.Dashboard.Tests;

public sealed class DashboardAssetsTests
{
    [Fact]
    public async Task Known_assets_are_served_and_made_up_names_are_404s_that_store_nothing()
    {
        var assets = new DashboardAssets();
        var held = assets.Count;
        Assert.Equal(200, await StatusAsync(assets, "sync.js"));

        for (var i = 0; i < 5000; i++)
        {
            Assert.Equal(404, await StatusAsync(assets, "missing-" + i.ToString(CultureInfo.InvariantCulture) + ".js"));
        }

        Assert.Equal(held, assets.Count);
        Assert.Equal(200, await StatusAsync(assets, "dashboard.css"));
    }

    private static async Task<int> StatusAsync(DashboardAssets assets, string name)
    {
        var http = new DefaultHttpContext { RequestServices = new ServiceCollection().AddLogging().BuildServiceProvider() };
        http.Response.Body = new MemoryStream();
        await assets.Serve(name, http).ExecuteAsync(http);
        return http.Response.StatusCode;
    }
}
