from support import prot


def test_status_107(client):
    from fake_sefaz.emitter.client import cons_stat_serv
    r = client.call(cons_stat_serv(2, 35))
    assert r.status == 200 and r.cStat == "107", r.body


def test_authorize_100(emitter):
    r = emitter.authorize()
    assert r.status == 200 and r.cStat == "104", r.body
    assert prot(r)[0] == "100", r.body
