"""The one cStat catalogue: code -> official text (xMotivo), and the error that carries a code.

Texts are those of the MOC 7.00 tables and Notas Técnicas as collected in reference/sefaz-contract.md §3
(sped-nfe docs/cStat.md, wmixvideo NFRetornoStatus, MOC rule tables). Some answers append context to the
text, as real authorizers do: 204 "[nRec:...]", 539 "[chNFe:...][nRec:...]", 562 "[chNFe:...]".
"""

from __future__ import annotations

import re
import unicodedata
from typing import Literal

MotivoStyle = Literal["accents", "ascii"]

# xMotivo is TMotivo in the layout: 1 to 255 characters.
MOTIVO_MAX = 255

CATALOGUE: dict[int, str] = {
    100: 'Autorizado o uso da NF-e',
    101: 'Cancelamento de NF-e homologado',
    102: 'Inutilização de número homologado',
    103: 'Lote recebido com sucesso',
    104: 'Lote processado',
    105: 'Lote em processamento',
    106: 'Lote não localizado',
    107: 'Serviço em Operação',
    108: 'Serviço Paralisado Momentaneamente (curto prazo)',
    109: 'Serviço Paralisado sem Previsão',
    110: 'Uso Denegado',
    111: 'Consulta cadastro com uma ocorrência',
    112: 'Consulta cadastro com mais de uma ocorrência',
    113: 'SVC em processo de desativação SVC será desabilitada para a SEFAZ-XX em dd/mm/aa às hh:mm horas',
    114: 'SVC-RS desabilitada pela SEFAZ de Origem',
    124: 'EPEC Autorizado',
    128: 'Lote de Evento Processado',
    135: 'Evento registrado e vinculado a NF-e',
    136: 'Evento registrado, mas não vinculado a NF-e',
    137: 'Nenhum documento localizado para o Destinatário',
    138: 'Documento localizado para o Destinatário',
    150: 'Autorizado o uso da NF-e, autorização fora de prazo',
    151: 'Cancelamento de NF-e homologado fora de prazo',
    155: 'Cancelamento homologado fora de prazo',
    201: 'Rejeição: Número máximo de numeração a inutilizar ultrapassou o limite',
    202: 'Rejeição: Falha no reconhecimento da autoria ou integridade do arquivo digital',
    203: 'Rejeição: Emissor não habilitado para emissão de NF-e',
    204: 'Rejeição: Duplicidade de NF-e',
    205: 'Rejeição: NF-e está denegada na base de dados da SEFAZ',
    206: 'Rejeição: NF-e já está inutilizada na Base de dados da SEFAZ',
    207: 'Rejeição: CNPJ do emitente inválido',
    208: 'Rejeição: CNPJ do destinatário inválido',
    209: 'Rejeição: IE do emitente inválida',
    210: 'Rejeição: IE do destinatário inválida',
    212: 'Rejeição: Data de emissão NF-e posterior a data de recebimento',
    213: 'Rejeição: CNPJ-Base do Emitente difere do CNPJ-Base do Certificado Digital',
    214: 'Rejeição: Tamanho da mensagem excedeu o limite estabelecido',
    215: 'Rejeição: Falha no schema XML',
    216: 'Rejeição: Chave de Acesso difere da cadastrada',
    217: 'Rejeição: NF-e não consta na base de dados da SEFAZ',
    218: 'Rejeição: NF-e já está cancelada na base de dados da SEFAZ',
    219: 'Rejeição: Circulação da NF-e verificada',
    220: 'Rejeição: Prazo de Cancelamento superior ao previsto na Legislação',
    221: 'Rejeição: Confirmado o recebimento da NF-e pelo destinatário',
    222: 'Rejeição: Protocolo de Autorização de Uso difere do cadastrado',
    223: 'Rejeição: CNPJ do transmissor do lote difere do CNPJ do transmissor da consulta',
    224: 'Rejeição: A faixa inicial é maior que a faixa final',
    225: 'Rejeição: Falha no Schema XML do lote de NFe',
    226: 'Rejeição: Código da UF do Emitente diverge da UF autorizadora',
    227: 'Rejeição: CPF do Emitente difere do CPF do Certificado Digital',
    228: 'Rejeição: Data de Emissão muito atrasada',
    229: 'Rejeição: IE do emitente não informada',
    230: 'Rejeição: IE do emitente não cadastrada',
    231: 'Rejeição: IE do emitente não vinculada ao CNPJ',
    233: 'Rejeição: IE do destinatário não cadastrada',
    236: 'Rejeição: Chave de Acesso com dígito verificador inválido',
    237: 'Rejeição: CPF do destinatário inválido',
    238: 'Rejeição: Cabeçalho - Versão do arquivo XML superior a Versão vigente',
    239: 'Rejeição: Cabeçalho - Versão do arquivo XML não suportada',
    240: 'Rejeição: Cancelamento/Inutilização - Irregularidade Fiscal do Emitente',
    241: 'Rejeição: Um número da faixa já foi utilizado',
    242: 'Rejeição: Cabeçalho - Falha no Schema XML',
    243: 'Rejeição: XML Mal Formado',
    244: 'Rejeição: CNPJ do Certificado Digital difere do CNPJ da Matriz e do CNPJ do Emitente',
    245: 'Rejeição: CNPJ Emitente não cadastrado',
    247: 'Rejeição: Sigla da UF do Emitente diverge da UF autorizadora',
    248: 'Rejeição: UF do Recibo diverge da UF autorizadora',
    249: 'Rejeição: UF da Chave de Acesso diverge da UF autorizadora',
    250: 'Rejeição: UF diverge da UF autorizadora',
    252: 'Rejeição: Ambiente informado diverge do Ambiente de recebimento',
    253: 'Rejeição: Digito Verificador da chave de acesso composta inválida',
    256: 'Rejeição: Uma NF-e da faixa já está inutilizada na Base de dados da SEFAZ',
    257: 'Rejeição: Solicitante não habilitado para emissão da NF-e',
    258: 'Rejeição: CNPJ da consulta inválido',
    259: 'Rejeição: CNPJ da consulta não cadastrado como contribuinte na UF',
    260: 'Rejeição: IE da consulta inválida',
    261: 'Rejeição: IE da consulta não cadastrada como contribuinte na UF',
    262: 'Rejeição: UF não fornece consulta por CPF',
    263: 'Rejeição: CPF da consulta inválido',
    264: 'Rejeição: CPF da consulta não cadastrado como contribuinte na UF',
    265: 'Rejeição: Sigla da UF da consulta difere da UF do Web Service',
    280: 'Rejeição: Certificado Transmissor inválido',
    281: 'Rejeição: Certificado Transmissor Data Validade',
    282: 'Rejeição: Certificado Transmissor sem CNPJ/CPF',
    283: 'Rejeição: Certificado Transmissor - erro Cadeia de Certificação',
    284: 'Rejeição: Certificado Transmissor revogado',
    285: 'Rejeição: Certificado Transmissor difere ICP-Brasil',
    286: 'Rejeição: Certificado Transmissor erro no acesso a LCR',
    289: 'Rejeição: Código da UF informada diverge da UF solicitada',
    290: 'Rejeição: Certificado Assinatura inválido',
    291: 'Rejeição: Certificado Assinatura Data Validade',
    292: 'Rejeição: Certificado Assinatura sem CNPJ/CPF',
    293: 'Rejeição: Certificado Assinatura - erro Cadeia de Certificação',
    294: 'Rejeição: Certificado Assinatura revogado',
    295: 'Rejeição: Certificado Assinatura difere ICP-Brasil',
    296: 'Rejeição: Certificado Assinatura erro no acesso a LCR',
    297: 'Rejeição: Assinatura difere do calculado',
    298: 'Rejeição: Assinatura difere do padrão do Sistema',
    299: 'Rejeição: XML da área de cabeçalho com codificação diferente de UTF-8',
    301: 'Uso Denegado: Irregularidade fiscal do emitente',
    302: 'Uso Denegado: Irregularidade fiscal do destinatário',
    303: 'Uso Denegado: Destinatário não habilitado a operar na UF',
    304: 'Rejeição: Pedido de Cancelamento para NF-e com evento da Suframa',
    373: 'Rejeição: Descricao do primeiro item diferente de NOTA FISCAL EMITIDA EM AMBIENTE DE HOMOLOGACAO - SEM VALOR FISCAL',
    394: 'Rejeição: Nota Fiscal sem a informação do QR-Code',
    395: 'Rejeição: Endereço do site da UF da Consulta via QRCode diverge do previsto',
    396: 'Rejeição: Parâmetro do QR-Code inexistente (chAcesso)',
    397: 'Rejeição: Parâmetro do QR-Code divergente da Nota Fiscal (chAcesso)',
    398: 'Rejeição: Parâmetro nVersao do QR-Code difere do previsto',
    # MOC 7.00 §4.4.2: 399 is the QR-Code's recipient parameter for a note without a recipient (the old text was
    # another rule's).
    399: 'Rejeição: Parâmetro de Identificação do destinatário no QR-Code para Nota Fiscal sem identificação do destinatário',
    402: 'Rejeição: XML da área de dados com codificação diferente de UTF-8',
    404: 'Rejeição: Uso de prefixo de namespace não permitido',
    410: 'Rejeição: UF informada no campo cUF não é atendida pelo Web Service',
    420: 'Rejeição: Cancelamento para NF-e já cancelada',
    450: 'Rejeição: Modelo da NF-e diferente de 55',
    453: 'Rejeição: Ano de inutilização não pode ser superior ao Ano atual',
    454: 'Rejeição: Ano de inutilização não pode ser inferior a 2006',
    455: 'Rejeição: Órgão Autor do evento diferente da UF da Chave de Acesso',
    462: 'Rejeição: Código Identificador do CSC no QR-Code não cadastrado na SEFAZ',
    463: 'Rejeição: Código Identificador do CSC no QR-Code foi revogado pela empresa',
    464: 'Rejeição: Código de Hash no QR-Code difere do calculado',
    466: 'Rejeição: Evento com Tipo de Autor incompatível',
    489: 'Rejeição: CNPJ informado inválido (DV ou zeros)',
    490: 'Rejeição: CPF informado inválido (DV ou zeros)',
    491: 'Rejeição: O tpEvento informado inválido',
    492: 'Rejeição: O verEvento informado inválido',
    493: 'Rejeição: Evento não atende o Schema XML específico',
    494: 'Rejeição: Chave de Acesso Inexistente',
    501: 'Rejeição: Prazo de cancelamento superior ao previsto na Legislação',
    502: 'Rejeição: Erro na Chave de Acesso - Campo Id não corresponde à concatenação dos campos correspondentes',
    516: 'Rejeição: Falha no schema XML - inexiste a tag raiz esperada para a mensagem',
    517: 'Rejeição: Falha no schema XML - inexiste atributo versao na tag raiz da mensagem',
    528: 'Rejeição: Valor do ICMS difere do produto BC e Alíquota',
    531: 'Rejeição: Total da BC ICMS difere do somatório dos itens',
    532: 'Rejeição: Total do ICMS difere do somatório dos itens',
    537: 'Rejeição: Total do Desconto difere do somatório dos itens',
    539: 'Rejeição: Duplicidade de NF-e com diferença na Chave de Acesso',
    546: 'Rejeição: Erro na Chave de Acesso - Campo Id - falta a literal NFe',
    554: 'Rejeição: Série difere da faixa 0-899',
    560: 'Rejeição: CNPJ base do emitente difere do CNPJ base da primeira NF-e do lote recebido',
    561: 'Rejeição: Mês de Emissão informado na Chave de Acesso difere do Mês de Emissão da NF-e',
    562: 'Rejeição: Código Numérico informado na Chave de Acesso difere do Código Numérico da NF-e',
    563: 'Rejeição: Já existe pedido de Inutilização com a mesma faixa de inutilização',
    564: 'Rejeição: Total do Produto / Serviço difere do somatório dos itens',
    565: 'Rejeição: Falha no schema XML - inexiste a tag raiz esperada para o lote de NF-e',
    568: 'Rejeição: Falha no schema XML - inexiste atributo versao na tag raiz do lote de NF-e',
    570: 'Rejeição: Tipo de Emissão 3, 6 ou 7 só é válido nas contingências SCAN/SVC',
    572: 'Rejeição: Erro Atributo ID do evento não corresponde a concatenação dos campos ("ID" + tpEvento + chNFe + nSeqEvento)',
    573: 'Rejeição: Duplicidade de Evento',
    574: 'Rejeição: O autor do evento diverge do emissor da NF-e',
    575: 'Rejeição: O autor do evento diverge do destinatário da NF-e',
    576: 'Rejeição: O autor do evento não é um órgão autorizado a gerar o evento',
    577: 'Rejeição: A data do evento não pode ser menor que a data de emissão da NF-e',
    578: 'Rejeição: A data do evento não pode ser maior que a data do processamento',
    579: 'Rejeição: A data do evento não pode ser menor que a data de autorização da NF-e',
    580: 'Rejeição: Evento exige uma NF-e autorizada',
    583: 'Rejeição: Valor da assinatura do qrCode difere do valor calculado',
    587: 'Rejeição: Usar somente o namespace padrão da NF-e',
    588: 'Rejeição: Não é permitida a presença de caracteres de edição no início/fim da mensagem ou entre as tags da mensagem',
    589: 'Rejeição: Número do NSU informado superior ao maior NSU da base de dados da SEFAZ',
    593: 'Rejeição: CNPJ-Base consultado difere do CNPJ-Base do Certificado Digital',
    594: 'Rejeição: Número de sequência do evento informado é maior do que o permitido',
    595: 'Rejeição: Obrigatória a informação da justificativa do evento.',
    596: 'Rejeição: Evento apresentado fora do prazo: [prazo vigente]',
    598: 'Rejeição: NF-e emitida em ambiente de homologação com Razão Social do destinatário diferente de NF-E EMITIDA EM AMBIENTE DE HOMOLOGACAO - SEM VALOR FISCAL',
    610: 'Rejeição: Total da NF difere do somatório dos Valores compõe o valor Total da NF.',
    611: 'Rejeição: cEAN inválido',
    613: 'Rejeição: Chave de Acesso difere da existente em BD',
    614: 'Rejeição: Chave de Acesso inválida (Código UF inválido)',
    615: 'Rejeição: Chave de Acesso inválida (Ano menor que 06 ou Ano maior que Ano corrente)',
    616: 'Rejeição: Chave de Acesso inválida (Mês menor que 1 ou Mês maior que 12)',
    617: 'Rejeição: Chave de Acesso inválida (CNPJ zerado ou dígito inválido)',
    618: 'Rejeição: Chave de Acesso inválida (modelo diferente de 55 e 65)',
    619: 'Rejeição: Chave de Acesso inválida (número NF = 0)',
    629: 'Rejeição: Valor do Produto difere do produto Valor Unitário de Comercialização e Quantidade Comercial',
    631: 'Rejeição: CNPJ-Base do Destinatário difere do CNPJ-Base do Certificado Digital',
    632: 'Rejeição: Solicitação fora de prazo, a NF-e não está mais disponível para download',
    635: 'Rejeição: NF-e com mesmo número e série já transmitida e aguardando processamento',
    650: 'Rejeição: Evento de "Ciência da Emissão" para NF-e Cancelada ou Denegada',
    651: 'Rejeição: Evento de "Desconhecimento da Operação" para NF-e Cancelada ou Denegada',
    656: 'Rejeição: Consumo Indevido',
    657: 'Rejeição: Código do Órgão diverge do órgão autorizador',
    690: 'Rejeição: Pedido de Cancelamento para NF-e com CT-e / MDF-e',
    702: 'Rejeição: NFC-e não é aceita pela UF do Emitente',
    703: 'Rejeição: Data-Hora de Emissão posterior ao horário de recebimento',
    704: 'Rejeição: NFC-e com Data-Hora de emissão atrasada',
    707: 'Rejeição: NFC-e para operação interestadual ou com o exterior',
    711: 'Rejeição: NF-e com contingência off-line',
    712: 'Rejeição: NFC-e com contingência off-line para a UF',
    715: 'Rejeição: NFC-e com finalidade inválida',
    716: 'Rejeição: NFC-e em operação não destinada a consumidor final',
    717: 'Rejeição: NFC-e em operação não presencial',
    719: 'Rejeição: NF-e sem a identificação do destinatário',
    725: 'Rejeição: NFC-e com CFOP inválido',
    764: 'Rejeição: Solicitada resposta síncrona para Lote com mais de uma NF-e (indSinc=1)',
    765: 'Rejeição: Lote só poderá conter NF-e ou NFC-e',
    770: 'Rejeição: NFC-e autorizada há mais de 24 horas.',
    775: 'Rejeição: Modelo da NFC-e diferente de 65',
    776: 'Rejeição: Solicitada resposta síncrona para UF que não disponibiliza este atendimento (indSinc=1)',
    780: 'Rejeição: Total da NFC-e superior ao valor limite estabelecido pela SEFAZ',
    781: 'Rejeição: Emissor não habilitado para emissão da NFC-e',
    782: 'Rejeição: NFC-e não é autorizada pelo SCAN',
    783: 'Rejeição: NFC-e não é autorizada pela SVC',
    784: 'Rejeição: NFC-e não permite o evento de Carta de Correção',
    789: 'Rejeição: NFC-e para destinatário contribuinte de ICMS',
    796: 'Rejeição: Empresa sem Chave de Segurança para o QR-Code',
    811: 'Rejeição: Pedido de Prorrogação deferido impede o cancelamento da NF-e',
    878: 'Rejeição: Endereço do site da UF da Consulta por chave de acesso diverge do previsto',
    897: 'Rejeição: Código numérico em formato inválido',
    903: 'Rejeição: Versão informada no QR-Code (100) não é mais válida para a data de emissão',
    # 910/911: one text per condition in MOC 7.00 §5.9 (P31-10..34, P31-38..52); the rule appends its condition
    # as the suffix, e.g. "... inválida (Dígito)", "... incorreta (mesma Chave de Acesso)".
    910: 'Rejeição: Chave de Acesso NFe Substituta inválida',
    911: 'Rejeição: Chave de Acesso NFe Substituta incorreta',
    912: 'Rejeição: NF-e Substituta inexistente',
    913: 'Rejeição: NF-e Substituta Denegada ou Cancelada',
    914: 'Rejeição: Data de emissão da NF-e Substituta maior que 2 horas da data de emissão da NF-e a ser cancelada',
    915: 'Rejeição: Valor total da NF-e Substituta difere do valor da NF-e a ser cancelada',
    916: 'Rejeição: Valor total do ICMS da NF-e Substituta difere do valor da NF-e a ser cancelada',
    917: 'Rejeição: Identificação do destinatário da NF-e Substituta difere da identificação do destinatário da NF-e a ser cancelada.',
    918: 'Rejeição: Quantidade de itens da NF-e Substituta difere da quantidade de itens da NF-e a ser cancelada.',
    919: 'Rejeição: Item da NF-e Substituta difere do mesmo item da NF-e a ser cancelada.',
    920: 'Rejeição: Tipo de emissão da NF-e a ser cancelada deve ser normal',
    921: 'Rejeição: Tipo de emissão da NF-e substituta deve ser de contingência',
    972: 'Rejeição: Obrigatória as informações do responsável técnico [NT 2018.005]',
    973: 'Rejeição: CNPJ do responsável técnico inválido [NT 2018.005]',
    974: 'Rejeição: CNPJ do responsável técnico diverge do cadastrado [NT 2018.005]',
    975: 'Rejeição: Obrigatória a informação do identificador do CSRT e do Hash do CSRT [NT 2018.005]',
    976: 'Rejeição: Identificador do CSRT não cadastrado na SEFAZ [NT 2018.005]',
    977: 'Rejeição: Identificador do CSRT revogado [NT 2018.005]',
    978: 'Rejeição: Hash do CSRT diverge do calculado [NT 2018.005]',
    999: 'Rejeição: Erro não catalogado',
    # --- IBS / CBS / IS: NT 2025.002-RTC v1.34 (Dec/2025) §7, codes 1000-1181. "[nItem: 999]" in the NT is the
    # item number, appended by the rule as a suffix like the MOC's other [nItem:nnn] codes.
    1000: 'Rejeição: Município do fato gerador do IBS informado indevidamente',
    1001: 'Rejeição: NF-e com finalidade de débito ou crédito somente para IBS/CBS',
    1002: 'Rejeição: NF-e sem informação de ICMS / ISSQN',
    1003: 'Rejeição: NF-e de crédito faz referência a documento fiscal diferente de NF-e modelo 55',
    1006: 'Rejeição: NFCe com grupo de compra governamental',
    1007: 'Rejeição: CST do IBS/CBS informado não permite informação de redução de alíquota municipal',
    1009: 'Rejeição: Não informado tipo de nota de débito',
    1020: 'Rejeição: CST do IBS/CBS informado inexistente',
    1021: 'Rejeição: Grupo IBS/CBS informado indevidamente',
    1022: 'Rejeição: Grupo IBS/CBS não informado',
    1023: 'Rejeição: Classificação Tributária do IBS/CBS informada inexistente',
    # UB14-20: the official text repeats "Rejeição:" (NT 2025.002-RTC v1.34).
    1024: 'Rejeição: Rejeição: Classificação Tributária do IBS e da CBS incompatível com o CST informado',
    1025: 'Rejeição: cClassTrib do IBS/CBS não permitido neste modelo de DFe',
    1026: 'Rejeição: Alíquota do IBS da UF inválida',
    1027: 'Rejeição: NF referenciada informada indevidamente',
    1028: 'Rejeição: CST do IBS/CBS informado não permite informação de redução de alíquota da CBS',
    1029: 'Rejeição: CST do IBS/CBS informado não permite informação de diferimento Estadual',
    1030: 'Rejeição: CST do IBS/CBS informado obriga informação de diferimento Estadual',
    1031: 'Rejeição: Valor do Diferimento da UF difere do calculado',
    1032: 'Rejeição: CST do IBS/CBS informado não permite informação de redução de alíquota Estadual',
    1033: 'Rejeição: Não informado o grupo de redução de alíquota Estadual',
    1034: 'Rejeição: Percentual de redução de alíquota da UF não é válido para este cClassTrib',
    1035: 'Rejeição: Valor da Alíquota Efetiva do IBS da UF calculado incorretamente',
    1036: 'Rejeição: Alíquota do IBS do Município inválida',
    1037: 'Rejeição: Alíquota da CBS inválida',
    1040: 'Rejeição: Valor do Tributo Regular da UF difere do calculado',
    1041: 'Rejeição: Valor do IBS da UF difere do calculado',
    1044: 'Rejeição: CST do IBS/CBS informado obriga informação de diferimento Municipal',
    1045: 'Rejeição: Valor do Diferimento do Município difere do calculado',
    1046: 'Rejeição: Percentual de redução de alíquota do Município não é válido para este cClassTrib',
    1047: 'Rejeição: Valor da Alíquota Efetiva do IBS do Município calculado incorretamente',
    1049: 'Rejeição: Não é permitido o uso de Crédito Presumido na NFC-e modelo 65',
    1050: 'Rejeição: Crédito Presumido para a CBS informado indevidamente',
    1051: 'Rejeição: Valor do Tributo Regular do Município difere do calculado',
    1052: 'Rejeição: Valor do IBS Municipal difere do calculado',
    1053: 'Rejeição: Crédito Presumido para o IBS informado indevidamente',
    1054: 'Rejeição: Crédito Presumido para o IBS não informado',
    1055: 'Rejeição: Código de Crédito Presumido (cCredPres) da Operação inexistente',
    1058: 'Rejeição: Crédito Presumido para a CBS não informado',
    1061: 'Rejeição: CST do IBS/CBS informado obriga informação de diferimento da CBS',
    1062: 'Rejeição: Valor do Diferimento da CBS difere do calculado',
    1063: 'Rejeição: Percentual de redução de alíquota da CBS não é válido para este cClassTrib',
    1064: 'Rejeição: Valor da Alíquota Efetiva da CBS calculado incorretamente',
    1065: 'Rejeição: Classificação Tributária do IBS e da CBS informada obriga informação da tributação regular',
    1066: 'Rejeição: CST do IBS e da CBS informado no grupo de tributação regular inexistente',
    1067: 'Rejeição: Classificação Tributária do IBS e da CBS informada no grupo de tributação regular inexistente',
    1068: 'Rejeição: Valor do Tributo Regular da CBS difere do calculado',
    1069: 'Rejeição: Valor da CBS difere do calculado',
    1073: 'Rejeição: Total de IS informado indevidamente',
    1074: 'Rejeição: Não informado o grupo de redução de alíquota Municipal',
    1076: 'Rejeição: Total da BC do IBS e da CBS difere da soma dos itens',
    1077: 'Rejeição: Total de Diferimento do IBS UF difere da soma dos itens',
    1078: 'Rejeição: Total Devolvido do IBS UF difere da soma dos itens',
    1079: 'Rejeição: Não informado o grupo de redução de alíquota da CBS',
    1080: 'Rejeição: Total de IBS UF difere da soma dos itens',
    1081: 'Rejeição: Total de Diferimento do IBS Municipal difere da soma dos itens',
    1082: 'Rejeição: Total Devolvido do IBS Municipal difere da soma dos itens',
    1083: 'Rejeição: CST do IBS/CBS informado não permite informação de diferimento Municipal',
    1084: 'Rejeição: Total de IBS Municipal difere da soma dos itens',
    1085: 'Rejeição: Total do IBS difere da soma do vIBS dos itens',
    1086: 'Rejeição: Total de Crédito Presumido do IBS UF difere da soma dos itens',
    1087: 'Rejeição: Total de Crédito Presumido da CBS difere da soma dos itens',
    1088: 'Rejeição: Total de Diferimento da CBS difere da soma dos itens',
    1089: 'Rejeição: Total Devolvido da CBS difere da soma dos itens',
    1090: 'Rejeição: CST do IBS/CBS informado não permite informação de diferimento da CBS',
    1091: 'Rejeição: Total de CBS difere da soma dos itens',
    1114: 'Rejeição: Classificação Tributária do IBS e da CBS informada não permite informação da tributação regular',
    1117: 'Rejeição: Total de IS não informado',
    1118: 'Rejeição: Total de IBS e CBS informado indevidamente',
    1119: 'Rejeição: Total de IBS e CBS não informado',
    1129: 'Rejeição: Valor do IBS ou da CBS deve ser maior que zero na transferência de crédito.',
    1131: 'Rejeição: Grupo de transferência de crédito informado indevidamente',
    1132: 'Rejeição: Grupo de transferência de crédito não informado',
    1133: 'Rejeição: Finalidade de Emissão da Nota Fiscal incompatível com o CST',
    1139: 'Rejeição: Tipo de nota de débito informado indevidamente',
    1145: 'Rejeição: Tipo de nota de crédito só pode ser usado a partir de janeiro/2029.',
    1150: 'Rejeição: Valor do IBS do Item (vIBS) difere do calculado',
    1151: 'Rejeição: Grupo IBS/CBS Monofásico informado indevidamente',
    1152: 'Rejeição: Tipo de Operação incompatível com NF-e de Crédito do tipo Retorno',
    1153: 'Rejeição: NFC-e com data de previsão de entrega',
    1154: 'Rejeição: Data de previsão de entrega posterior ao permitido',
    1155: 'Rejeição: Data de previsão de entrega anterior ao permitido',
    1156: 'Rejeição: Data de previsão de entrega não permitida para a finalidade de emissão informada',
    1157: 'Rejeição: Data de previsão de entrega não permitida para a modalidade de frete informada',
    1161: 'Rejeição: Tipo de Operação incompatível com NF-e de Crédito',
    1162: 'Rejeição: Tipo de Operação incompatível com NF-e de Débito',
    1163: 'Rejeição: Tipo de nota de crédito informado indevidamente',
    1164: 'Rejeição: Não informado tipo de nota de crédito',
    1168: 'Rejeição: Tipo de Nota de Débito incompatível com o CST',
    1169: 'Rejeição: Grupo de Ajuste de Competência informado indevidamente',
    1170: 'Rejeição: Grupo de Ajuste de Competência não informado',
    1171: 'Rejeição: Valor do IBS ou da CBS deve ser maior que zero no ajuste de competência',
    1172: 'Rejeição: Grupo de Estorno de Crédito informado indevidamente',
    1173: 'Rejeição: Grupo de Estorno de Crédito não informado',
    1174: 'Rejeição: Valor do IBS ou da CBS deve ser maior que zero no estorno de crédito',
    1175: 'Rejeição: Grupo de Crédito Presumido na Operação informado indevidamente',
    1176: 'Rejeição: Total do IBS estornado difere da soma dos itens',
    1177: 'Rejeição: Total da CBS estornada difere da soma dos itens',
    1056: 'Rejeição: Valor do Crédito Presumido em condição suspensiva do IBS informado indevidamente',
    1060: 'Rejeição: Valor do Crédito Presumido da CBS informado indevidamente',
    1106: 'Rejeição: Não informado grupo de combustível para cClassTrib de Combustível',
    1107: 'Rejeição: Valor do Crédito Presumido do IBS não pode ser superior a vProd',
    1124: 'Rejeição: Valor do Crédito Presumido da CBS não pode ser superior a vProd',
    1134: 'Rejeição: CST do IBS/CBS informado não permite informação do grupo para apropriação de crédito presumido de IBS sobre o saldo devedor na ZFM',
    1135: 'Rejeição: CST do IBS/CBS informado exige a informação do grupo para apropriação de crédito presumido de IBS sobre o saldo devedor na ZFM',
    1136: 'Rejeição: Não é possível repetir o Tipo de Classificação para o cálculo do crédito presumido na ZFM neste DFe',
    1138: 'Rejeição: Não é permitido o uso de Crédito Presumido ZFM na NFC-e modelo 65',
    1140: 'Rejeição: NF-e de recebimento de pagamento do ente governamental sem nota de fornecimento referenciada',
    1141: 'Rejeição: Grupo de informações da composição do valor do IBS e da CBS em compras governamentais não informado',
    1142: 'Rejeição: Soma dos valores de IBS e CBS em compras governamentais divergente',
    1144: 'Rejeição: Grupo de informações da composição do valor do IBS e da CBS em compras governamentais informado indevidamente',
    1158: 'Rejeição: Tipo de Nota de Crédito não permite o grupo para apropriação de crédito presumido de IBS sobre o saldo devedor na ZFM',
    1159: 'Rejeição: Tipo de Nota de Crédito exige o grupo para apropriação de crédito presumido de IBS sobre o saldo devedor na ZFM',
    1160: 'Rejeição: Ano e mês referência do período de apuração superior ao ano e mês atual',
    1165: 'Rejeição: Não é permitido informar a classificação para subapuração do IBS na ZFM na NFC-e modelo 65',
    1166: 'Rejeição: Classificação para subapuração do IBS na ZFM informado indevidamente.',
}

# Codes the Notas Técnicas reuse with another text: (code, MOC rule id) -> the text that rule answers. The rule
# raises Rejection(code, meaning=rule_id); every other use of the code answers CATALOGUE's text. NT 2024.001
# turned the model-55 denials into rejections with the same numbers (reference content-rules.md §2.3).
MEANINGS: dict[tuple[int, str], str] = {
    (302, "5E17-40"): 'Rejeição: Irregularidade fiscal do destinatário',
    (303, "5E17-60"): 'Rejeição: Destinatário não habilitado a operar na UF',
    (781, "1C17-38"): 'Rejeição: Emissor não habilitado para emissão da NF-e/NFC-e',
}


def text(cstat: int, meaning: str | None = None) -> str:
    """The official text of a code (of the rule `meaning`, for a reused code). Unknown codes are a programming
    error, not a wire answer."""
    if meaning is not None:
        return MEANINGS.get((cstat, meaning), CATALOGUE[cstat])
    return CATALOGUE[cstat]


def ascii_fold(s: str) -> str:
    # SVRS answers without accents ("Rejeicao: ...", "Servico em Operacao"); SP answers with them.
    return unicodedata.normalize("NFKD", s).encode("ascii", "ignore").decode("ascii")


# Anything TMotivo does not admit as it is: control characters and characters beyond Latin-1.
_NOT_TMOTIVO = re.compile("[^\x20-\xff]")


def _latin1(s: str) -> str:
    # TMotivo's pattern admits only Latin-1 characters from the space up, with no blank at either end:
    # control characters become spaces and anything beyond Latin-1 is folded to ASCII.
    if _NOT_TMOTIVO.search(s) is None:  # the catalogue's own texts: one C scan instead of a loop per character
        return " ".join(s.split())
    out = []
    for ch in s:
        if ch < " ":
            out.append(" ")
        elif ord(ch) > 0xFF:
            out.append(ascii_fold(ch) or "?")
        else:
            out.append(ch)
    return " ".join("".join(out).split())


def motivo(cstat: int, suffix: str = "", style: MotivoStyle = "accents", meaning: str | None = None) -> str:
    """xMotivo for a code: the catalogue text (of the rule `meaning`, for a reused code), an optional context
    suffix, folded and cut to TMotivo."""
    s = text(cstat, meaning) + (" " + suffix if suffix else "")
    if style == "ascii":
        s = ascii_fold(s)
    return _latin1(s)[:MOTIVO_MAX].rstrip()


class Rejection(Exception):
    """A decision that reaches the wire: a cStat (from the catalogue) and an optional context suffix."""

    def __init__(self, cstat: int, suffix: str = "", meaning: str | None = None) -> None:
        if cstat not in CATALOGUE:
            raise KeyError(f"cStat {cstat} is not in the catalogue")
        if meaning is not None and (cstat, meaning) not in MEANINGS:
            raise KeyError(f"cStat {cstat} has no meaning {meaning!r} in codes.MEANINGS")
        super().__init__(f"{cstat} {text(cstat, meaning)} {suffix}".strip())
        self.cstat = cstat
        self.suffix = suffix
        self.meaning = meaning  # the rule id of a reused code's other text (MEANINGS), else None
