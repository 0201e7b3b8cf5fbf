import { Module } from '@nestjs/common';
import { EchoHandlers } from './echo.handlers';
import { StatsService } from './stats.service';

@Module({ providers: [StatsService, EchoHandlers] })
export class DemoModule {}
