/**
 * Charts: data → Mermaid text (GitHub renders it in PR bodies, comments and job summaries),
 * data → SVG (docs), data → Unicode sparkline (terminal). Pure; every label is escaped, since
 * resource names are untrusted input.
 */
export { costBarsOfDiff, costBarsOfPlans, costChart, costChartMarkdown, type CostBar } from './cost';
export { htmlCode, mermaidText, xmlText } from './escape';
export { mermaidBlock, mermaidXYChart, mermaidXyChart, xyToCategoryChart } from './mermaid';
export { digestUsage } from './series';
export { sparkline } from './sparkline';
export { svgXYChart } from './svg';
export { PALETTE, type CategoryChart, type CategorySeries, type XYChart, type XYSeries } from './types';
export { usageChart, usageChartsMarkdown, usageSparkline } from './usage';
