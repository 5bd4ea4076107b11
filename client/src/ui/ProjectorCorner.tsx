/** The projector's join panel: the address, the code in large type, and a QR code of the link. */
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import QRCode from 'qrcode';
import { formatJoinCode } from '@pajataulu/shared';

/** Side of the QR code image, in CSS pixels. */
const QR_SIZE = 200;

export function ProjectorCorner({ code, dark }: { code: string; dark: boolean }) {
  const { t } = useTranslation();
  const url = `${location.origin}/j/${code}`;
  const [qr, setQr] = useState<string>();
  useEffect(() => {
    QRCode.toDataURL(url, {
      margin: 1,
      width: QR_SIZE * 2,
      errorCorrectionLevel: 'M',
      color: dark ? { dark: '#f1f5f6', light: '#16272e' } : { dark: '#17262c', light: '#ffffff' },
    }).then(setQr, () => setQr(undefined));
  }, [url, dark]);
  return (
    <div className="projector-code" data-testid="projector-join">
      <span>{t('projector.join')}</span>
      <span className="join-url">{`${location.host}/j`}</span>
      <strong>{formatJoinCode(code)}</strong>
      {qr && <img src={qr} alt={url} data-testid="projector-qr" />}
    </div>
  );
}
