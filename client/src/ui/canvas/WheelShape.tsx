/** The annual clock: twelve month sectors coloured by season, drawn under everything else. */
import { useMemo } from 'react';
import { Arc, Circle, Group, Text } from 'react-konva';
import { monthSector, seasonOf, WHEEL_HUB_FRACTION, type Wheel } from '@pajataulu/shared';
import { currentLanguage } from '../../i18n/index.js';

const SEASON_FILL: Record<string, string> = {
  winter: '#e3eef8',
  spring: '#e4f4e0',
  summer: '#fff5cf',
  autumn: '#fbe6d4',
};

export function WheelShape({ wheel }: { wheel: Wheel }) {
  const months = useMemo(() => {
    const fmt = new Intl.DateTimeFormat(currentLanguage(), { month: 'long' });
    return Array.from({ length: 12 }, (_, i) => fmt.format(new Date(2024, i, 15)));
  }, []);
  const hub = wheel.r * WHEEL_HUB_FRACTION;
  return (
    <Group x={wheel.x} y={wheel.y} listening={false}>
      {months.map((name, i) => {
        const m = i + 1;
        const { start } = monthSector(m);
        const deg = (start * 180) / Math.PI - 90;
        const mid = start + Math.PI / 12;
        return (
          <Group key={m}>
            <Arc
              innerRadius={hub}
              outerRadius={wheel.r}
              angle={30}
              rotation={deg}
              fill={SEASON_FILL[seasonOf(m)]}
              stroke="#9fb3bd"
              strokeWidth={2}
            />
            <Text
              text={name}
              x={Math.sin(mid) * (wheel.r - 60) - 100}
              y={-Math.cos(mid) * (wheel.r - 60) - 14}
              width={200}
              align="center"
              fontSize={28}
              fontStyle="bold"
              fill="#3a4d55"
            />
          </Group>
        );
      })}
      <Circle radius={hub} fill="#ffffff" stroke="#9fb3bd" strokeWidth={2} />
    </Group>
  );
}
