"""The pytest11 plugin, from a test file that uses only the public `fake_sefaz` fixture (pytester runs it in a
fresh pytest process, so the plugin is found through its entry point like in an emitter's project)."""

from __future__ import annotations

from pathlib import Path

pytest_plugins = ("pytester",)

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "test_emitter_with_fake_sefaz.py"


def test_plugin_example_emitter_suite(pytester, pki):
    pytester.makeini(f"[pytest]\nfake_sefaz_certs_dir = {pki.directory}\n")  # reuse the session's PKI: faster
    pytester.makepyfile(test_emitter=EXAMPLE.read_text())
    result = pytester.runpytest_subprocess("-q", "-p", "no:cacheprovider", "-p", "no:randomly")
    result.assert_outcomes(passed=7)


def test_plugin_fixture_values(pytester):
    pytester.makepyfile(test_values="""
        import httpx

        def test_urls_and_controls(fake_sefaz):
            assert set(fake_sefaz.urls) >= {"NFeAutorizacao4", "NFeRetAutorizacao4", "NFeConsultaProtocolo4",
                                            "NFeStatusServico4"}
            assert httpx.get(fake_sefaz.wsdl("NFeStatusServico4")).text.count("NFeStatusServico4") > 1
            assert fake_sefaz.certificates["emitente"].pfx.exists()
            before = fake_sefaz.now()
            fake_sefaz.advance(hours=2)
            assert (fake_sefaz.now() - before).total_seconds() > 7100
            assert fake_sefaz.admin("GET", "/admin/faults/clock")["offset_s"] > 7100
            rule = fake_sefaz.force(108, "consStatServ")
            assert rule["remaining"] == 1

        def test_then_clean(fake_sefaz):
            assert fake_sefaz.admin("GET", "/admin/faults/rules") == []
            assert abs(fake_sefaz.admin("GET", "/admin/faults/clock")["offset_s"]) < 5

        def test_https_with_mutual_tls(fake_sefaz):
            from fake_sefaz.emitter.client import cons_stat_serv

            assert fake_sefaz.tls_urls["NFeStatusServico4"].startswith("https://127.0.0.1:")
            assert fake_sefaz.https_client().call(cons_stat_serv(2, 35)).cStat == "107"
            refused = fake_sefaz.https_client("expirado").call(cons_stat_serv(2, 35))
            assert refused.status == 403 and b"403 - Forbidden" in refused.body
    """)
    result = pytester.runpytest_subprocess("-q", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=3)
